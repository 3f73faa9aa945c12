// End-to-end tests on the built app with its embedded local chain (scripts/serve.mjs: anvil + deployed contracts, a
// fresh data directory per run), in Debian's Chromium with its WebGPU adapter.
import { defineConfig, devices } from '@playwright/test';

const PORT = Number(process.env.E2E_PORT ?? 4180);
/** The chain's data directory for this run; scripts/serve.mjs writes the app's chain.json there. */
export const DATA_DIR = `test-results/e2e-chain-${PORT}`;
export const CHAIN_JSON = `${DATA_DIR}/chain.json`;

export default defineConfig({
	testDir: 'tests/e2e',
	outputDir: 'test-results/e2e',
	timeout: 120_000,
	expect: { timeout: 15_000 },
	workers: 1,
	retries: 0,
	use: {
		baseURL: `http://127.0.0.1:${PORT}`,
		trace: 'retain-on-failure',
		launchOptions: {
			executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
			args: ['--enable-unsafe-webgpu', '--disable-background-networking', '--disable-component-update']
		}
	},
	projects: [{ name: 'chromium', use: { ...devices['Desktop Chrome'] } }],
	webServer: {
		command: `node scripts/serve.mjs --network local --port ${PORT} --rpc-port 0 --data-dir ${DATA_DIR}`,
		url: `http://127.0.0.1:${PORT}`,
		reuseExistingServer: false,
		timeout: 60_000
	}
});
