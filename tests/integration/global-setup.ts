// Starts a throwaway anvil on a free port, deploys the contracts from forge's build output and hands the RPC URL and
// addresses to the integration tests (vitest `provide`); stops anvil when the run ends.
import type { TestProject } from 'vitest/node';
import { startAnvil } from '../../scripts/chain/anvil.mjs';
import { deployAll, type Deployments } from '../../scripts/chain/deploy.mjs';

declare module 'vitest' {
	export interface ProvidedContext {
		rpcUrl: string;
		deployments: Deployments;
	}
}

export default async function setup(project: TestProject) {
	const anvil = await startAnvil();
	try {
		project.provide('rpcUrl', anvil.rpcUrl);
		project.provide('deployments', await deployAll({ rpcUrl: anvil.rpcUrl }));
	} catch (e) {
		await anvil.stop();
		throw e;
	}
	return () => anvil.stop();
}
