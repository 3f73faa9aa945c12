// What each contract error means to a user: a table from custom error name (as declared in contracts/src/interfaces
// and OpenZeppelin) to a readable message and, where the fix is known, a hint. Keyed by name rather than selector so
// the table survives an argument change; abi.test.ts checks that every error in the generated ABIs has an entry.

/** A user-facing explanation of one contract error. */
export type RevertText = { message: string; hint?: string };

export const REVERT_MESSAGES: Readonly<Record<string, RevertText>> = {
	// DatanetRegistry
	BatchNotPending: { message: 'This batch was already reviewed.', hint: 'Reload the Datanet to see its current status.' },

	// ModelRegistry
	ModelNotFound: { message: 'This model is not registered on this network.' },
	ModelNotOwner: { message: 'Only the model owner can do this.', hint: 'Connect the wallet that registered the model.' },
	ModelDeprecatedAlready: { message: 'This model is already deprecated.' },
	ModelNoDatanets: { message: 'A model must name at least one Datanet it was trained on.' },
	ModelUnknownDatanet: { message: 'The model names a Datanet that does not exist on this network.', hint: 'Publish the Datanet first.' },
	ModelZeroWeightsHash: { message: 'The model has no weights hash.', hint: 'Finish training and save a checkpoint before registering.' },
	ModelFeeTooHigh: { message: 'The fee per inference is above the allowed maximum.', hint: 'Choose a lower fee.' },

	// AttributionLedger
	LedgerContributorCount: { message: 'Too many contributors for one inference.', hint: 'Keep the top contributors; the rest share nothing.' },
	LedgerLengthMismatch: { message: 'The contributor and weight lists differ in length.' },
	LedgerZeroContributor: { message: 'A contributor address is empty.' },
	LedgerZeroWeight: { message: 'A contributor has a weight of zero.', hint: 'Leave out contributors with no share.' },
	LedgerWeightsSum: { message: 'The attribution weights do not add up to 10,000 basis points.' },
	LedgerModelDeprecated: { message: 'This model is deprecated and can no longer record inferences.' },
	LedgerFeeTooLow: { message: 'The payment is below the model’s fee per inference.', hint: 'Reload the model to see its current fee.' },
	LedgerAlreadyRecorded: { message: 'This answer was already recorded.' },
	LedgerNothingToClaim: { message: 'There is nothing to claim for this account.' },
	LedgerTransferFailed: { message: 'The payout could not be sent to the account.', hint: 'A contract account must accept OPEN.' },
	LedgerSharesTooHigh: { message: 'The owner and treasury shares together are above the allowed maximum.' },
	LedgerZeroTreasury: { message: 'The treasury cannot be the zero address.' },
	LedgerChallengeWindowOutOfRange: { message: 'That challenge window is outside the allowed range.' },
	LedgerNotAttester: { message: 'Only the attester can post reward roots.' },
	LedgerRootPending: { message: 'A reward root is still in its challenge window.', hint: 'Wait until it becomes claimable.' },
	LedgerRootTotalDecreased: { message: 'A reward root cannot lower the cumulative total.' },
	LedgerRootFunding: { message: 'The payment does not match what the reward root adds.' },
	LedgerZeroRoot: { message: 'The reward root is empty.' },
	LedgerUnknownRoot: { message: 'This reward root does not exist.' },
	LedgerRootRevoked: { message: 'This reward root was revoked by governance.' },
	LedgerRootNotClaimable: { message: 'This reward root is still in its challenge window.', hint: 'Claim after the window ends.' },
	LedgerChallengeWindowOver: { message: 'The challenge window of this reward root is over.' },
	LedgerInvalidProof: { message: 'The reward proof does not match the root.', hint: 'Reload the rewards to get a fresh proof.' },
	LedgerRootNothingToClaim: { message: 'These rewards were already claimed.' },

	// WOpen
	WOpenZeroAmount: { message: 'The amount must be more than zero.' },
	WOpenTransferFailed: { message: 'The unwrapped OPEN could not be sent to the account.' },

	// AgentStaking
	StakingZeroAmount: { message: 'The amount must be more than zero.' },
	StakingInsufficientBond: { message: 'The agent’s bond is smaller than that amount.' },
	StakingNothingToWithdraw: { message: 'There is nothing to withdraw.', hint: 'Request unbonding first.' },
	StakingCooldownActive: { message: 'The unbonding cooldown is not over yet.', hint: 'Withdraw once the cooldown ends.' },
	StakingSlashTooLarge: { message: 'The slash is above the per-call cap.' },
	StakingBountyTooHigh: { message: 'The reporter bounty is above the allowed maximum.' },
	StakingCooldownOutOfRange: { message: 'That cooldown is outside the allowed range.' },
	StakingZeroTreasury: { message: 'The treasury cannot be the zero address.' },
	StakingNothingOwed: { message: 'Nothing is owed to this account.' },
	StakingTransferFailed: { message: 'The payment could not be sent to the account.' },

	// OpenZeppelin: access control, tokens, signatures, governance
	AccessControlUnauthorizedAccount: { message: 'Your account does not have the role this action needs.' },
	AccessControlBadConfirmation: { message: 'Roles can only be renounced by their own holder.' },
	OwnableUnauthorizedAccount: { message: 'Only the owner can do this.' },
	OwnableInvalidOwner: { message: 'That address cannot be the owner.' },
	ReentrancyGuardReentrantCall: { message: 'The contract refused a nested call.' },
	ECDSAInvalidSignature: { message: 'A signature is not valid.', hint: 'Sign the contribution again.' },
	ECDSAInvalidSignatureLength: { message: 'A signature has the wrong length.', hint: 'Sign the contribution again.' },
	ECDSAInvalidSignatureS: { message: 'A signature is malformed.', hint: 'Sign the contribution again.' },
	ERC20InsufficientBalance: { message: 'Not enough tokens in this account.' },
	ERC20InsufficientAllowance: { message: 'The contract is not allowed to spend that many of your tokens.', hint: 'Approve the amount first.' },
	ERC20InvalidSender: { message: 'Tokens cannot be sent from that address.' },
	ERC20InvalidReceiver: { message: 'Tokens cannot be sent to that address.' },
	ERC20InvalidApprover: { message: 'That address cannot approve spending.' },
	ERC20InvalidSpender: { message: 'That address cannot be approved to spend.' },
	ERC2612ExpiredSignature: { message: 'The permit signature has expired.', hint: 'Sign a new permit.' },
	ERC2612InvalidSigner: { message: 'The permit was signed by another account.' },
	ERC5805FutureLookup: { message: 'That point in time has not happened yet.' },
	ERC6372InconsistentClock: { message: 'The token and the governor disagree on the clock.' },
	InvalidAccountNonce: { message: 'This signature was already used or is out of order.', hint: 'Sign again.' },
	VotesExpiredSignature: { message: 'The delegation signature has expired.', hint: 'Sign a new delegation.' },
	ERC20ExceededSafeSupply: { message: 'The token supply would exceed its maximum.' },
	CheckpointUnorderedInsertion: { message: 'Vote checkpoints must be written in time order.' },
	SafeCastOverflowedUintDowncast: { message: 'A number is too large for the contract.' },
	SafeCastOverflowedUintToInt: { message: 'A number is too large for the contract.' },
	SafeCastOverflowedIntDowncast: { message: 'A number is too large for the contract.' },
	SafeCastOverflowedIntToUint: { message: 'A negative number was given where a positive one is needed.' },
	AddressEmptyCode: { message: 'The target address has no contract.' },
	FailedCall: { message: 'A call from the contract failed.' },
	FailedInnerCall: { message: 'A call from the contract failed.' },
	InsufficientBalance: { message: 'The contract does not hold enough OPEN for this.' },
	MerkleProofInvalidMultiproof: { message: 'The Merkle multiproof is malformed.' },
	StringsInsufficientHexLength: { message: 'A value does not fit the expected hex length.' },
	GovernorAlreadyCastVote: { message: 'You have already voted on this proposal.' },
	GovernorAlreadyQueuedProposal: { message: 'This proposal is already queued.' },
	GovernorDisabledDeposit: { message: 'The governor does not accept deposits.' },
	GovernorInsufficientProposerVotes: {
		message: 'You do not have enough votes to make a proposal.',
		hint: 'Wrap OPEN into WOpen; your votes count from the next block.'
	},
	GovernorInvalidProposalLength: { message: 'The proposal actions are malformed.' },
	GovernorInvalidQuorumFraction: { message: 'That quorum is not allowed.' },
	GovernorInvalidSignature: { message: 'The vote signature is not valid.' },
	GovernorInvalidVoteType: { message: 'That vote type does not exist.' },
	GovernorInvalidVoteParams: { message: 'The vote parameters are not valid.' },
	GovernorInvalidVotingPeriod: { message: 'That voting period is not allowed.' },
	GovernorNonexistentProposal: { message: 'This proposal does not exist.' },
	GovernorNotQueuedProposal: { message: 'This proposal is not queued yet.' },
	GovernorOnlyExecutor: { message: 'Only the timelock can do this.' },
	GovernorOnlyProposer: { message: 'Only the proposer can do this.' },
	GovernorQueueNotImplemented: { message: 'This governor does not queue proposals.' },
	GovernorRestrictedProposer: { message: 'This proposer is not allowed.' },
	GovernorUnableToCancel: { message: 'This proposal can no longer be cancelled.' },
	GovernorUnexpectedProposalState: { message: 'The proposal is not in a state that allows this.', hint: 'Reload to see its current state.' },
	GovernorUnknownProposalId: { message: 'This proposal does not exist.' },
	TimelockInsufficientDelay: { message: 'The timelock delay is too short.' },
	TimelockInvalidOperationLength: { message: 'The timelock operation is malformed.' },
	TimelockUnauthorizedCaller: { message: 'Only the timelock itself can do this.' },
	TimelockUnexecutedPredecessor: { message: 'An earlier timelock operation must run first.' },
	TimelockUnexpectedOperationState: { message: 'The timelock operation is not ready.', hint: 'Wait until its delay has passed.' }
};

/** The table entry for a contract error name, or undefined for names the table does not know. */
export function revertMessage(errorName: string): RevertText | undefined {
	return Object.hasOwn(REVERT_MESSAGES, errorName) ? REVERT_MESSAGES[errorName] : undefined;
}
