# Flask receiver on switchboard-webhooks: pip install flask switchboard-webhooks;
# WEBHOOK_SECRET=whsec_... flask --app flask_receiver run --port 3000
import os
from flask import Flask
from switchboard_webhooks import LeadCaptured, Webhook
from switchboard_webhooks.flask import verified_event
app, wh = Flask(__name__), Webhook(os.environ["WEBHOOK_SECRET"])

@app.post("/hook")
def hook():
    if isinstance(event := verified_event(wh), LeadCaptured): print("lead", event.data.lead.name)
    return "", 204
