// Express receiver on switchboard-webhooks: `npm i express switchboard-webhooks`, then WEBHOOK_SECRET=whsec_... node express.mjs
import express from "express";
import { Webhook } from "switchboard-webhooks";
import { expressHandler } from "switchboard-webhooks/express";
const wh = new Webhook(process.env.WEBHOOK_SECRET);
express().post("/hook", expressHandler(wh.handler({ "lead.captured": async (e) => console.log("lead", e.data.lead.name) }))).listen(3000);
