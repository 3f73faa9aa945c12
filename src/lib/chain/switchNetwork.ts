// Moving a wallet onto our network: wallet_switchEthereumChain, and when the wallet does not know the chain (EIP-1193
// error 4902, which some mobile wallets nest under data.originalError) wallet_addEthereumChain, then the switch again.
// The wallet's chain is read back afterwards, because some wallets resolve the request before they have switched.
import type { Account, Chain, Transport, WalletClient } from 'viem';
import { ChainConfigError, WrongNetworkError, hasErrorCode, toChainError } from './errors';

export type SwitchNetworkParameters = {
	/** The chain to move the wallet to; its default RPC and explorer are what the wallet adds. */
	chain: Chain;
};

/** Asks the wallet behind `client` to switch to `chain`, adding the chain first when the wallet does not know it. */
export async function switchNetwork(
	client: WalletClient<Transport, Chain | undefined, Account | undefined>,
	{ chain }: SwitchNetworkParameters
): Promise<void> {
	try {
		await client.switchChain({ id: chain.id });
	} catch (e) {
		if (!hasErrorCode(e, 4902)) throw toChainError(e);
		if (!chain.rpcUrls.default.http.length)
			throw new ChainConfigError(`Your wallet does not know ${chain.name}, and no RPC URL is configured to add it.`, {
				hint: 'Add the network in your wallet by hand, or set "rpcUrl" in /chain.json.'
			});
		try {
			await client.addChain({ chain });
			await client.switchChain({ id: chain.id });
		} catch (e2) {
			throw toChainError(e2);
		}
	}
	const actual = await client.getChainId().catch((e) => {
		throw toChainError(e);
	});
	if (actual !== chain.id) throw new WrongNetworkError({ expectedChainId: chain.id, actualChainId: actual });
}
