// The shipping service: answers health checks and quotes on :8080.
const http = require('node:http');

const server = http.createServer((req, res) => {
  if (req.url === '/healthz') {
    res.writeHead(200).end('ok');
    return;
  }
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ service: 'shipping', quote: { eur: 4.9 } }));
});

server.listen(Number(process.env.PORT ?? 8080));
