#!/bin/sh
# The data lifecycle from the command line, against a hub on 127.0.0.1:8787
# (docs/operator.md, "Data lifecycle"). Retention itself needs no command:
# set [retention] in switchboard.toml.
set -eu
ADMIN="${SWITCHBOARD_ADMIN_TOKEN:-dev-admin-token}"
HUB="${SWITCHBOARD_URL:-http://127.0.0.1:8787}"

# A caller asks to be forgotten: any format of their number works.
switchboard erase --phone '+1 (555) 123-4567'
# The same through the API, by email (any case) or by call id.
curl -sS -X POST "$HUB/v1/erasure" -H "Authorization: Bearer $ADMIN" \
  -H 'Content-Type: application/json' -d '{"email": "Jordan@Example.com"}'
echo
# The erasure log: when, which token, the identifier's SHA-256, the counts.
curl -sS "$HUB/v1/erasures" -H "Authorization: Bearer $ADMIN"
echo
# Was +15551234567 erased? Compare with identifier_hash above.
printf 'phone:15551234567' | sha256sum

# A consistent copy of the SQLite database while the hub serves.
switchboard backup --to "switchboard-$(date +%F-%H%M%S).db"
