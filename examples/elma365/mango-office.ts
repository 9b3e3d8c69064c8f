/**
 * Mango Office for ELMA365: a telephony module script as an integrator writes it for ELMA365's module
 * "Scripts" tab (no imports; settings from Namespace.params.data; state in Namespace.storage).
 * Settings fields: apiKey (vpbx_api_key), apiSalt (vpbx_api_salt), apiUrl (https://app.mango-office.ru/vpbx/).
 * Mango posts every notification as a form {vpbx_api_key, sign, json}, sign = sha256(key + json + salt),
 * to the webhook URL plus /events/call, /events/summary, /events/record/added and so on.
 * ELMA365 scripts have no crypto module, so SHA-256 is written out below.
 */

interface MangoForm {
  vpbx_api_key?: string;
  sign?: string;
  json?: string;
}

function getApiKey(): string {
  return (Namespace.params.data.apiKey as string) || '';
}

function getSalt(): string {
  return (Namespace.params.data.apiSalt as string) || '';
}

function getApiUrl(): string {
  const url = (Namespace.params.data.apiUrl as string) || 'https://app.mango-office.ru/vpbx/';
  return url.endsWith('/') ? url : url + '/';
}

function sha256(text: string): string {
  const K = [
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5, 0xd807aa98,
    0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786,
    0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8,
    0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13,
    0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819,
    0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a,
    0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7,
    0xc67178f2,
  ];
  const bytes: number[] = [];
  const utf8 = unescape(encodeURIComponent(text));
  for (let i = 0; i < utf8.length; i++) bytes.push(utf8.charCodeAt(i));
  const bitLength = bytes.length * 8;
  bytes.push(0x80);
  while (bytes.length % 64 !== 56) bytes.push(0);
  for (let i = 7; i >= 0; i--) bytes.push(i >= 4 ? 0 : (bitLength >>> (i * 8)) & 0xff);
  const h = [0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19];
  const w = new Array<number>(64);
  const rotr = (x: number, n: number) => (x >>> n) | (x << (32 - n));
  for (let offset = 0; offset < bytes.length; offset += 64) {
    for (let i = 0; i < 16; i++) {
      const j = offset + i * 4;
      w[i] = (bytes[j] << 24) | (bytes[j + 1] << 16) | (bytes[j + 2] << 8) | bytes[j + 3];
    }
    for (let i = 16; i < 64; i++) {
      const s0 = rotr(w[i - 15], 7) ^ rotr(w[i - 15], 18) ^ (w[i - 15] >>> 3);
      const s1 = rotr(w[i - 2], 17) ^ rotr(w[i - 2], 19) ^ (w[i - 2] >>> 10);
      w[i] = (w[i - 16] + s0 + w[i - 7] + s1) | 0;
    }
    let [a, b, c, d, e, f, g, k] = h;
    for (let i = 0; i < 64; i++) {
      const t1 = (k + (rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25)) + ((e & f) ^ (~e & g)) + K[i] + w[i]) | 0;
      const t2 = ((rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22)) + ((a & b) ^ (a & c) ^ (b & c))) | 0;
      k = g;
      g = f;
      f = e;
      e = (d + t1) | 0;
      d = c;
      c = b;
      b = a;
      a = (t1 + t2) | 0;
    }
    h[0] = (h[0] + a) | 0;
    h[1] = (h[1] + b) | 0;
    h[2] = (h[2] + c) | 0;
    h[3] = (h[3] + d) | 0;
    h[4] = (h[4] + e) | 0;
    h[5] = (h[5] + f) | 0;
    h[6] = (h[6] + g) | 0;
    h[7] = (h[7] + k) | 0;
  }
  return h.map((x) => (x >>> 0).toString(16).padStart(8, '0')).join('');
}

function parseForm(body: string): MangoForm {
  const result: { [key: string]: string } = {};
  for (const pair of body.split('&')) {
    if (!pair) continue;
    const index = pair.indexOf('=');
    const key = index === -1 ? pair : pair.substring(0, index);
    const value = index === -1 ? '' : pair.substring(index + 1);
    result[decodeURIComponent(key.replace(/\+/g, ' '))] = decodeURIComponent(value.replace(/\+/g, ' '));
  }
  return result;
}

function encodeForm(data: { [key: string]: string }): string {
  return Object.keys(data)
    .map((key) => encodeURIComponent(key) + '=' + encodeURIComponent(data[key]))
    .join('&');
}

async function mangoRequest(command: string, payload: object, manual?: boolean): Promise<FetchResponse> {
  const json = JSON.stringify(payload);
  const body = encodeForm({ vpbx_api_key: getApiKey(), sign: sha256(getApiKey() + json + getSalt()), json });
  const response = await fetch(getApiUrl() + command, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body,
    redirect: manual ? 'manual' : 'follow',
  } as any);
  if (!manual && response.status !== 200) {
    throw new Error('Mango Office answered ' + response.status + ' ' + response.statusText);
  }
  return response;
}

async function VoipTestConnection(): Promise<VoipTestConnectionResult> {
  try {
    const response = await mangoRequest('account/balance', {});
    const data = await response.json();
    if (data.result !== 1000) return { success: false, failReason: 'Mango Office result ' + data.result };
    return { success: true };
  } catch (e) {
    return { success: false, failReason: (e as Error).message };
  }
}

async function VoipGetMembers(): Promise<VoipMember[]> {
  const response = await mangoRequest('config/users/request', {});
  const data = await response.json();
  const members: VoipMember[] = [];
  for (const user of data.users || []) {
    const ext = user.telephony && user.telephony.extension;
    if (ext) members.push({ id: String(ext), label: (user.general && user.general.name) || String(ext) });
  }
  return members;
}

async function VoipGenerateCall(srcPhone: string, dstPhone: string): Promise<void> {
  const commandId = 'elma-' + Date.now() + '-' + Math.floor(Math.random() * 1e6);
  const response = await mangoRequest('commands/callback', {
    command_id: commandId,
    from: { extension: srcPhone },
    to_number: dstPhone.replace(/\D/g, ''),
  });
  const data = await response.json();
  if (data.result !== 1000) throw new Error('Mango Office did not start the call: result ' + data.result);
}

async function VoipGetCallLink(callData: any): Promise<string> {
  const recordingId = await Namespace.storage.getItem('recording:' + callData.entryId);
  if (!recordingId) throw new Error('This call has no recording yet');
  const response = await mangoRequest('queries/recording/post', { recording_id: recordingId, action: 'play' }, true);
  const location = response.headers.get('location');
  if (!location) throw new Error('Mango Office sent no recording link (status ' + response.status + ')');
  return location;
}

function phoneOf(party: any): string {
  if (!party) return '';
  return party.extension ? String(party.extension) : party.number || '';
}

async function VoipParseWebhookRequest(request: FetchRequest): Promise<VoipWebhookParseResult> {
  try {
    if (!request.headers || request.headers['Content-Type'] !== 'application/x-www-form-urlencoded') {
      throw new Error('Mango sends application/x-www-form-urlencoded');
    }
    if (typeof request.body !== 'string') throw new Error('No body');
    const form = parseForm(request.body);
    if (form.vpbx_api_key !== getApiKey() || !form.json) throw new Error('Unknown vpbx_api_key');
    if (form.sign !== sha256(getApiKey() + form.json + getSalt())) throw new Error('Bad signature');
    const data = JSON.parse(form.json);
    const path: string = (request as any).path || '';

    if (path === '/events/call') {
      const from = data.from || {};
      const to = data.to || {};
      const outgoing = !!from.extension;
      // Only employees' legs matter to ELMA365: IVR and queue legs have no extension on either side.
      if (!from.extension && !to.extension) return {};
      const events: { [state: string]: VoipWebhookEvent } = {
        Appeared: VoipWebhookEvent.NotifyStart,
        Connected: VoipWebhookEvent.NotifyAnswer,
        Disconnected: VoipWebhookEvent.NotifyEnd,
      };
      const event = events[data.call_state];
      if (!event) return {};
      return {
        event: {
          event,
          direction: outgoing
            ? to.extension
              ? VoipCallDirection.Internal
              : VoipCallDirection.Out
            : VoipCallDirection.In,
          srcPhone: phoneOf(from),
          dstPhone: phoneOf(to),
          disposition: VoipCallDisposition.Unknown,
          callId: data.entry_id,
        },
      };
    }

    if (path === '/events/record/added') {
      await Namespace.storage.setItem('recording:' + data.entry_id, data.recording_id);
      return {};
    }

    if (path === '/events/summary') {
      const directions: { [code: string]: VoipCallDirection } = {
        '0': VoipCallDirection.Internal,
        '1': VoipCallDirection.In,
        '2': VoipCallDirection.Out,
      };
      const talked = Number(data.talk_time) > 0;
      return {
        callRecord: {
          srcPhone: phoneOf(data.from),
          dstPhone: phoneOf(data.to),
          direction: directions[String(data.call_direction)] || VoipCallDirection.In,
          duration: talked ? Number(data.end_time) - Number(data.talk_time) : 0,
          disposition: talked ? VoipCallDisposition.Answered : VoipCallDisposition.NoAnswer,
          call: { entryId: data.entry_id },
          callId: data.entry_id,
        },
      };
    }
    return {};
  } catch (e) {
    return { response: new HttpResponse().status(400).content(JSON.stringify({ error: (e as Error).message })) };
  }
}
