// Trainer worker: training runs (WebGPU, or the CPU fallback) and their OPFS checkpoints live here, off the page's thread.
import * as Comlink from 'comlink';
import { createTrainerApi } from '../src/lib/engine/train/session';

Comlink.expose(createTrainerApi());
