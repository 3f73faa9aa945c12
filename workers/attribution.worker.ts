// Attribution worker: span indexes are built, stored, traced and merged here, off the page's main thread.
import * as Comlink from 'comlink';
import { createAttributionApi } from '../src/lib/attribution/spans/api';

Comlink.expose(createAttributionApi());
