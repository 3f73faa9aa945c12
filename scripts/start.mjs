// `npm start [-- --network local|openledger-testnet|openledger]`: set up what is missing, build (contracts and app),
// then serve the app on 127.0.0.1 with the embedded local chain (scripts/serve.mjs); Ctrl-C stops everything.
import { ensureSetup, run } from './setup.mjs';

ensureSetup();
run('node', ['scripts/build.mjs']);
run('node', ['scripts/serve.mjs', ...process.argv.slice(2)]);
