// Attribution worker: span indexes are built, stored, traced and merged here, and trained models' influence indexes
// are built and queried here, off the page's main thread.
import * as Comlink from 'comlink';
import { createInfluenceApi } from '../src/lib/attribution/influence/api';
import { createAttributionApi } from '../src/lib/attribution/spans/api';

Comlink.expose({ ...createAttributionApi(), ...createInfluenceApi() });
