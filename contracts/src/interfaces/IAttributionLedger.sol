// SPDX-License-Identifier: MIT
// IAttributionLedger: inference fees split by Proof of Attribution into pull-claimable balances, plus epoch reward roots.
// Balances are cumulative (credited, claimed) pairs so a claim never zeroes a slot and a repeat credit stays cheap.
pragma solidity ^0.8.24;

/// @title IAttributionLedger
/// @notice Pays for attributed inferences. `recordInference` splits the payment between the protocol treasury
/// (treasuryBps), the model owner (ownerBps plus rounding dust) and the contributors (the rest, by weight); every share
/// becomes a claimable balance that its account (or anyone, for it) pulls with `claim` / `claimFor`.
/// For high volume an attester posts cumulative reward roots instead: OpenZeppelin StandardMerkleTree roots of
/// ["address","uint256"] leaves (account, cumulative amount over all epochs). Funding rule: a root's `total` is the
/// cumulative total over all roots that stand (not revoked) and must equal the sum of its leaves; posting it requires
/// msg.value == total - rootTotal(). Only one root may be pending at a time. A root becomes claimable `challengeWindow`
/// seconds after it is posted unless the owner (the timelock) revokes it within the window; revoking credits the
/// funds it brought to the treasury's claimable balance and rolls rootTotal() back to the previous root's total.
interface IAttributionLedger {
    /// @notice A cumulative reward root. `total` is the cumulative funded total at this root; `claimableAt` is when its
    /// challenge window ends.
    struct RewardRoot {
        bytes32 root;
        uint128 total;
        uint64 claimableAt;
        bool revoked;
    }

    error LedgerContributorCount(uint256 count, uint256 max);
    error LedgerLengthMismatch(uint256 contributors, uint256 weights);
    error LedgerZeroContributor(uint256 index);
    error LedgerZeroWeight(uint256 index);
    error LedgerWeightsSum(uint256 sum);
    error LedgerModelDeprecated(uint256 modelId);
    error LedgerFeeTooLow(uint256 modelId, uint256 paid, uint256 fee);
    error LedgerAlreadyRecorded(uint256 modelId, bytes32 outputHash);
    error LedgerNothingToClaim(address account);
    error LedgerTransferFailed(address to, uint256 amount);
    error LedgerSharesTooHigh(uint16 ownerBps, uint16 treasuryBps);
    error LedgerZeroTreasury();
    error LedgerChallengeWindowOutOfRange(uint64 window);
    error LedgerNotAttester(address caller);
    error LedgerRootPending(uint256 rootId, uint64 claimableAt);
    error LedgerRootTotalDecreased(uint256 total, uint256 previousTotal);
    error LedgerRootFunding(uint256 paid, uint256 expected);
    error LedgerZeroRoot();
    error LedgerUnknownRoot(uint256 rootId);
    error LedgerRootRevoked(uint256 rootId);
    error LedgerRootNotClaimable(uint256 rootId, uint64 claimableAt);
    error LedgerChallengeWindowOver(uint256 rootId, uint64 claimableAt);
    error LedgerInvalidProof(uint256 rootId, address account, uint256 cumulativeAmount);
    error LedgerRootNothingToClaim(uint256 rootId, address account, uint256 cumulativeAmount, uint256 alreadyClaimed);

    /// @notice An inference was recorded and paid; one Credited event per nonzero share follows.
    event InferenceRecorded(
        uint256 indexed modelId, bytes32 indexed outputHash, address indexed payer, uint256 value, uint8 methodId
    );
    /// @notice `account`'s claimable balance grew by `amount`; modelId is 0 for credits that come from a revoked root.
    event Credited(address indexed account, uint256 indexed modelId, uint256 amount);
    /// @notice `amount` was paid to `account`; `caller` triggered it (the account itself or a relayer).
    event Claimed(address indexed account, address indexed caller, uint256 amount);
    /// @notice The attester posted reward root `rootId`.
    event RewardRootPosted(uint256 indexed rootId, bytes32 root, uint256 total, uint256 funded, uint64 claimableAt);
    /// @notice The owner revoked reward root `rootId`; `refunded` went to the treasury's claimable balance.
    event RewardRootRevoked(uint256 indexed rootId, uint256 refunded);
    /// @notice `account` was paid `amount` from reward root `rootId`, reaching `cumulativeAmount` claimed from roots.
    event RootClaimed(uint256 indexed rootId, address indexed account, uint256 amount, uint256 cumulativeAmount);
    /// @notice Governance changed the fee shares.
    event SharesUpdated(uint16 ownerBps, uint16 treasuryBps);
    /// @notice Governance changed the treasury; balances already credited stay with the old address.
    event TreasuryUpdated(address indexed previousTreasury, address indexed newTreasury);
    /// @notice Governance changed the attester (address(0) disables root posting).
    event AttesterUpdated(address indexed previousAttester, address indexed newAttester);
    /// @notice Governance changed the challenge window of roots posted from now on.
    event ChallengeWindowUpdated(uint64 previousWindow, uint64 newWindow);

    /// @notice Pays for an attributed inference and splits msg.value (at least the model's fee) into claimable balances;
    /// (modelId, outputHash) is an idempotency key: recording it a second time reverts, so a retry never pays twice.
    function recordInference(
        uint256 modelId,
        bytes32 outputHash,
        address[] calldata contributors,
        uint16[] calldata weightsBps,
        uint8 methodId
    ) external payable;

    /// @notice Pays msg.sender its whole claimable balance and returns the amount.
    function claim() external returns (uint256 amount);

    /// @notice Pays `account` its whole claimable balance (anyone may trigger it) and returns the amount.
    function claimFor(address account) external returns (uint256 amount);

    /// @notice Attester only: posts a cumulative reward root; msg.value must equal total - rootTotal(). Returns its id.
    function postRewardRoot(bytes32 root, uint256 total) external payable returns (uint256 rootId);

    /// @notice Pays `account` cumulativeAmount minus what it already took from roots, once `rootId` is claimable.
    function claimRoot(uint256 rootId, address account, uint256 cumulativeAmount, bytes32[] calldata proof)
        external
        returns (uint256 amount);

    /// @notice Owner only: revokes a root still in its challenge window; its funding goes to the treasury's balance.
    function revokeRoot(uint256 rootId) external;

    /// @notice Owner only: sets the model owner's and the treasury's shares (their sum is capped).
    function setShares(uint16 ownerBps, uint16 treasuryBps) external;

    /// @notice Owner only: sets the address whose claimable balance receives the treasury share.
    function setTreasury(address treasury) external;

    /// @notice Owner only: sets the account allowed to post reward roots.
    function setAttester(address attester) external;

    /// @notice Owner only: sets the challenge window applied to roots posted from now on.
    function setChallengeWindow(uint64 window) external;

    /// @notice What `account` can claim now through `claim` (excludes reward roots).
    function claimable(address account) external view returns (uint256);

    /// @notice Cumulative amounts credited to and claimed by `account`.
    function balances(address account) external view returns (uint256 credited, uint256 claimed);

    /// @notice Cumulative amount `account` has taken from reward roots.
    function rootClaimed(address account) external view returns (uint256);

    /// @notice Whether (modelId, outputHash) has been recorded.
    function isRecorded(uint256 modelId, bytes32 outputHash) external view returns (bool);

    /// @notice Reward root `rootId`, or reverts with LedgerUnknownRoot.
    function rewardRoot(uint256 rootId) external view returns (RewardRoot memory);

    /// @notice Number of roots posted so far (ids run 1..rootCount).
    function rootCount() external view returns (uint256);

    /// @notice The cumulative total of the latest root that stands (what the next root's total builds on).
    function rootTotal() external view returns (uint256);

    /// @notice The model registry the ledger reads owners and fees from.
    function modelRegistry() external view returns (address);

    /// @notice Fee shares in basis points.
    function shares() external view returns (uint16 ownerBps, uint16 treasuryBps);

    /// @notice The address credited with the treasury share.
    function treasury() external view returns (address);

    /// @notice The account allowed to post reward roots.
    function attester() external view returns (address);

    /// @notice Seconds a newly posted root waits before it can be claimed.
    function challengeWindow() external view returns (uint64);
}
