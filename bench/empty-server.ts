// The reference for bench:serve: the same framework (fastify, same limits) with one POST route that parses the JSON
// body and answers {}. Prints its URL as `latentkit serve --json` does.
import Fastify from 'fastify';

const app = Fastify({ bodyLimit: 16 * 2 ** 20, logger: false });
app.post('/v1/score', async () => ({}));
const url = await app.listen({ host: '127.0.0.1', port: 0 });
process.stdout.write(JSON.stringify({ url }) + '\n');
