import { afterEach, expect, it } from 'vitest';
import { describeEachDatabase } from '../testing/databases.js';
import { createTestApp, type TestApp } from '../testing/test-app.js';

describeEachDatabase('API documentation', (getStore) => {
  let test: TestApp;
  afterEach(async () => test?.app.close());

  it('describes the registered routes with their parameters, bodies and security', async () => {
    test = await createTestApp(getStore());
    const response = await test.app.inject({ method: 'GET', url: '/api/v1/openapi.json' });
    expect(response.statusCode).toBe(200);
    const doc = response.json();
    expect(doc).toMatchObject({ openapi: '3.1.0', info: { title: 'Switchboard API' } });
    expect(Object.keys(doc.components.securitySchemes)).toEqual(['bearerToken', 'sessionCookie']);

    const operations = Object.entries(doc.paths as Record<string, Record<string, unknown>>).flatMap(([path, item]) =>
      Object.keys(item).map((method) => `${method.toUpperCase()} ${path}`),
    );
    expect(operations).toEqual(
      expect.arrayContaining([
        'GET /api/v1/connectors',
        'GET /api/v1/connections',
        'POST /api/v1/connections',
        'GET /api/v1/connections/{id}',
        'PATCH /api/v1/connections/{id}',
        'DELETE /api/v1/connections/{id}',
        'POST /api/v1/connections/{id}/test',
        'GET /api/v1/connections/{id}/members',
        'GET /api/v1/connections/{id}/bindings',
        'PUT /api/v1/connections/{id}/bindings',
        'POST /api/v1/connections/{id}/rotate-token',
        'GET /api/v1/webhooks',
        'POST /api/v1/webhooks/{id}/replay',
        'GET /metrics',
        'POST /hooks/{connectionId}/{token}',
      ]),
    );
    expect(operations.some((operation) => operation.startsWith('HEAD '))).toBe(false);

    const webhooks = doc.paths['/api/v1/webhooks'].get;
    expect(webhooks.parameters.map((p: { name: string }) => p.name)).toEqual([
      'connectionId',
      'status',
      'cursor',
      'limit',
    ]);
    const create = doc.paths['/api/v1/connections'].post;
    expect(create.requestBody.content['application/json'].schema.required).toEqual(['connectorId']);
    expect(create.responses['201'].content['application/json'].schema.properties).toHaveProperty('webhookUpdate');
    expect(create.responses['4XX'].content['application/json'].schema).toEqual({ $ref: '#/components/schemas/Error' });
    expect(doc.components.schemas.Error.properties.error.required).toEqual(['code', 'message']);
    // API routes need a user (the document's default); the provider's webhook endpoint does not.
    expect(create.security).toBeUndefined();
    expect(doc.security).toEqual([{ bearerToken: [] }, { sessionCookie: [] }]);
    expect(doc.paths['/hooks/{connectionId}/{token}'].post.security).toEqual([]);
  });

  it('serves Swagger UI with its assets from the package, and the same document beside it', async () => {
    test = await createTestApp(getStore());
    const page = await test.app.inject({ method: 'GET', url: '/api/docs' });
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toContain('text/html');
    expect(page.body).toContain('/api/docs/static/swagger-ui-bundle.js');
    const bundle = await test.app.inject({ method: 'GET', url: '/api/docs/static/swagger-ui-bundle.js' });
    expect(bundle.statusCode).toBe(200);
    expect(bundle.body.length).toBeGreaterThan(100_000);
    const json = await test.app.inject({ method: 'GET', url: '/api/docs/json' });
    const doc = await test.app.inject({ method: 'GET', url: '/api/v1/openapi.json' });
    expect(json.json()).toEqual(doc.json());
  });
});
