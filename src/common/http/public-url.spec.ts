import { publicUrl } from './public-url';

describe('publicUrl', () => {
  it.each([
    ['0.0.0.0', 8000, 'http://localhost:8000'],
    ['::', 8000, 'http://localhost:8000'],
    ['127.0.0.1', 3000, 'http://127.0.0.1:3000'],
    ['::1', 8000, 'http://[::1]:8000'],
    ['agent.internal', 80, 'http://agent.internal:80'],
  ])('shows %s:%d as %s', (host, port, url) => {
    expect(publicUrl(host, port)).toBe(url);
  });
});
