/**
 * A module in the style of ELMA365's own example (the Gravitel module in the help page "Интеграция с
 * IP-телефонией через пользовательский модуль"), written against Switchboard's fake PBX API so it can
 * be tried without an account: `npx switchboard emulator fake` serves that API.
 * Settings fields: apiKey (the PBX API key), endpoint (the PBX API address).
 * The PBX posts url-encoded forms: cmd=event (type INCOMING / ACCEPTED / COMPLETED / CANCELLED / OUTGOING,
 * phone, ext, callid) and cmd=history (type in/out, phone, ext, duration, callid, link, status).
 */

function getApiKey(): string {
  return Namespace.params.data.apiKey as string;
}

function getEndpoint(): string {
  return (Namespace.params.data.endpoint as string).replace(/\/+$/, '');
}

async function fetchEndpoint(path: string, body?: object): Promise<any> {
  const res = await fetch(getEndpoint() + path, {
    method: body ? 'POST' : 'GET',
    headers: { Authorization: 'Bearer ' + getApiKey(), 'Content-Type': 'application/json' },
    body: body ? JSON.stringify(body) : undefined,
  });
  if (res.status !== 200 && res.status !== 201) {
    throw new Error(`PBX error: ${res.status} ${res.statusText}`);
  }
  return res.json();
}

async function VoipTestConnection(): Promise<VoipTestConnectionResult> {
  try {
    await fetchEndpoint('/ping');
    return { success: true };
  } catch (e) {
    return { success: false, failReason: (<Error>e).message };
  }
}

async function VoipGetMembers(): Promise<VoipMember[]> {
  const accounts = (await fetchEndpoint('/members')) as { name: string; ext: string }[];
  return accounts.map((account) => ({ id: account.ext, label: account.name }));
}

async function VoipGenerateCall(srcPhone: string, dstPhone: string): Promise<void> {
  await fetchEndpoint('/calls', { from: srcPhone, to: dstPhone });
}

async function VoipGetCallLink(callData: any): Promise<string> {
  return callData.link;
}

async function VoipOnWebhookUpdated(webhookUrl: string): Promise<void> {
  await fetchEndpoint('/webhook', { url: webhookUrl });
}

function parseBody(body: string): { [key: string]: string } {
  const result: { [key: string]: string } = {};
  body.split('&').forEach((pair) => {
    const [key, value] = pair.split('=');
    if (key) result[decodeURIComponent(key)] = decodeURIComponent((value || '').replace(/\+/g, ' '));
  });
  return result;
}

async function VoipParseWebhookRequest(request: FetchRequest): Promise<VoipWebhookParseResult> {
  let event: VoipWebhookRequest | undefined = undefined;
  let callRecord: VoipCallRecord | undefined = undefined;
  let response: HttpResponse | undefined = undefined;
  try {
    if (!request.headers || request.headers['Content-Type'] !== 'application/x-www-form-urlencoded') {
      throw new Error('Content-Type must be application/x-www-form-urlencoded');
    }
    if (typeof request.body !== 'string') {
      throw new Error('Body must be a string');
    }
    const cmd = parseBody(request.body);
    if (cmd.token !== getApiKey()) {
      throw new Error('Invalid token');
    }
    switch (cmd.cmd) {
      case 'event': {
        const types: { [type: string]: [VoipWebhookEvent, VoipCallDirection, VoipCallDisposition] } = {
          INCOMING: [VoipWebhookEvent.NotifyStart, VoipCallDirection.In, VoipCallDisposition.Unknown],
          ACCEPTED: [VoipWebhookEvent.NotifyAnswer, VoipCallDirection.In, VoipCallDisposition.Unknown],
          COMPLETED: [VoipWebhookEvent.NotifyEnd, VoipCallDirection.In, VoipCallDisposition.Answered],
          CANCELLED: [VoipWebhookEvent.NotifyEnd, VoipCallDirection.In, VoipCallDisposition.Cancel],
          OUTGOING: [VoipWebhookEvent.NotifyStart, VoipCallDirection.Out, VoipCallDisposition.Unknown],
        };
        const mapped = types[cmd.type];
        if (!mapped) throw new Error(`Unknown event type: ${cmd.type}`);
        event = {
          event: mapped[0],
          direction: mapped[1],
          disposition: mapped[2],
          srcPhone: cmd.phone,
          dstPhone: cmd.ext ?? '',
          callId: cmd.callid,
        };
        break;
      }
      case 'history': {
        const statuses: { [status: string]: VoipCallDisposition } = {
          Success: VoipCallDisposition.Answered,
          Busy: VoipCallDisposition.Busy,
          Missed: VoipCallDisposition.Cancel,
          NotAvailable: VoipCallDisposition.NoAnswer,
        };
        callRecord = {
          srcPhone: cmd.phone,
          dstPhone: cmd.ext,
          direction: cmd.type === 'out' ? VoipCallDirection.Out : VoipCallDirection.In,
          duration: parseInt(cmd.duration),
          call: { link: cmd.link, id: cmd.callid },
          disposition: statuses[cmd.status] || VoipCallDisposition.Unknown,
          callId: cmd.callid,
        };
        break;
      }
      default:
        throw new Error(`Unknown command: ${cmd.cmd}`);
    }
  } catch (e) {
    response = new HttpResponse().status(400).content(JSON.stringify({ error: (<Error>e).message }));
  }
  return { event, callRecord, response };
}
