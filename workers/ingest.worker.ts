// Ingest worker: parsing, validation, hashing, storing, signing and bundles run here so the page never freezes.
import * as Comlink from 'comlink';
import { ingestApi } from '../src/lib/store/ingest-api';

Comlink.expose(ingestApi);
