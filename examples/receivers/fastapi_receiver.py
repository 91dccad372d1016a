# FastAPI receiver on switchboard-webhooks: pip install fastapi uvicorn switchboard-webhooks;
# WEBHOOK_SECRET=whsec_... uvicorn fastapi_receiver:app --port 3000
import os
from fastapi import Depends, FastAPI
from switchboard_webhooks import LeadCaptured, Webhook
from switchboard_webhooks.fastapi import verified
app, wh = FastAPI(), Webhook(os.environ["WEBHOOK_SECRET"])

@app.post("/hook", status_code=204)
async def hook(event=Depends(verified(wh))):
    if isinstance(event, LeadCaptured): print("lead", event.data.lead.name)
