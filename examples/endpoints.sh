#!/usr/bin/env bash
# A walk through the runtime endpoints API (REST hooks) with curl:
# create, test-fire, inspect the delivery, rotate the secret, disable, delete.
#
#   cargo run -- serve &            # a hub on 127.0.0.1:8787 (dev tokens)
#   python3 -m http.server 9000 &   # or any receiver; this one answers 501 to POST
#   examples/endpoints.sh http://127.0.0.1:9000/hook
#
# Targets on loopback need [delivery] allow_private_targets = true; without it
# the create call answers 422 and says so. Needs curl and jq.
set -euo pipefail

TARGET=${1:-https://example.com/hooks/switchboard}
HUB=${SWITCHBOARD_URL:-http://127.0.0.1:8787}
ADMIN="Authorization: Bearer ${SWITCHBOARD_ADMIN_TOKEN:-dev-admin-token}"
JSON='Content-Type: application/json'

echo "== create (the secret is shown in this answer only)"
EP=$(curl -fsS "$HUB/v1/endpoints" -H "$ADMIN" -H "$JSON" \
  -d "{\"url\": \"$TARGET\", \"events\": [\"lead.captured\", \"booking.created\"], \"description\": \"walk-through\"}")
echo "$EP" | jq .
ID=$(echo "$EP" | jq -r .id)

echo "== list (secrets masked)"
curl -fsS "$HUB/v1/endpoints" -H "$ADMIN" | jq '.data[] | {id, url, events, secret}'

echo "== fire a sample lead.captured at it"
FIRED=$(curl -fsS "$HUB/v1/endpoints/$ID/test" -H "$ADMIN" -H "$JSON" -d '{"event_type": "lead.captured"}')
echo "$FIRED" | jq .
sleep 1
curl -fsS "$HUB/v1/deliveries/$(echo "$FIRED" | jq -r .delivery_id)" -H "$ADMIN" | jq '{status, attempts}'

echo "== rotate: both secrets sign for 1 hour"
curl -fsS "$HUB/v1/endpoints/$ID/rotate-secret" -H "$ADMIN" -H "$JSON" -d '{"overlap": "1h"}' | jq .

echo "== disable, then re-enable"
curl -fsS -X PATCH "$HUB/v1/endpoints/$ID" -H "$ADMIN" -H "$JSON" -d '{"enabled": false}' | jq '{enabled, disabled_reason}'
curl -fsS -X PATCH "$HUB/v1/endpoints/$ID" -H "$ADMIN" -H "$JSON" -d '{"enabled": true}' | jq '{enabled, disabled_reason}'

echo "== delete"
curl -fsS -o /dev/null -w '%{http_code}\n' -X DELETE "$HUB/v1/endpoints/$ID" -H "$ADMIN"
