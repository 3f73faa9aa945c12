// Inference worker: text generation runs here, on WebGPU or the CPU, so the page stays responsive while it streams.
import * as Comlink from 'comlink';
import { createInferenceApi } from '../src/lib/engine/infer/api';

Comlink.expose(createInferenceApi());
