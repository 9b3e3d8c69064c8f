import { describe, expect, it } from 'vitest';
import { HttpResponse, HttpStatusCode, makeHeaders } from './http.js';

describe('makeHeaders', () => {
  it('finds a header whatever casing the script uses', () => {
    const headers = makeHeaders({ 'content-type': 'application/x-www-form-urlencoded', 'X-Sign': 'abc' });
    expect(headers['Content-Type']).toBe('application/x-www-form-urlencoded');
    expect(headers['CONTENT-TYPE']).toBe('application/x-www-form-urlencoded');
    expect(headers['x-sign']).toBe('abc');
    expect('Content-Type' in headers).toBe(true);
    expect(headers['Authorization']).toBeUndefined();
  });

  it('keeps the sender spelling when enumerated and joins repeated values', () => {
    const headers = makeHeaders({ 'X-Forwarded-For': ['1.1.1.1', '2.2.2.2'], skip: undefined });
    expect(Object.keys(headers)).toEqual(['X-Forwarded-For']);
    expect(headers['x-forwarded-for']).toBe('1.1.1.1, 2.2.2.2');
    expect(JSON.parse(JSON.stringify(headers))).toEqual({ 'X-Forwarded-For': '1.1.1.1, 2.2.2.2' });
  });
});

describe('HttpResponse', () => {
  it('chains status, content and headers', () => {
    const response = new HttpResponse().status(HttpStatusCode.BAD_REQUEST).content('{"error":"x"}').header('X-A', '1');
    expect(response).toMatchObject({ statusCode: 400, body: '{"error":"x"}', headers: { 'X-A': '1' } });
  });

  it('json() serialises and sets the content type', () => {
    const response = new HttpResponse().json({ ok: true });
    expect(response.statusCode).toBe(200);
    expect(response.body).toBe('{"ok":true}');
    expect(response.headers['Content-Type']).toBe('application/json');
  });
});
