// SPDX-License-Identifier: MIT
// AttributionLedger: splits inference fees into claimable balances and pays cumulative reward roots after a challenge
// window. Each account is one slot (uint128 credited, uint128 claimed) that never returns to zero, so the hot path's
// repeat credits are nonzero-to-nonzero writes; fee shares and the treasury share one slot read once per inference.
pragma solidity 0.8.30;

import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {Ownable2Step} from "@openzeppelin/contracts/access/Ownable2Step.sol";
import {LowLevelCall} from "@openzeppelin/contracts/utils/LowLevelCall.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {MerkleProof} from "@openzeppelin/contracts/utils/cryptography/MerkleProof.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";

import {GovernanceConfig} from "./GovernanceConfig.sol";
import {IAttributionLedger} from "./interfaces/IAttributionLedger.sol";
import {IModelRegistry} from "./interfaces/IModelRegistry.sol";

/// @title AttributionLedger
/// @notice See IAttributionLedger. The owner is the TimelockController, so every setter and revocation is governance.
contract AttributionLedger is IAttributionLedger, Ownable2Step, ReentrancyGuardTransient {
    /// @dev Cumulative amounts; claimable = credited - claimed.
    struct Account {
        uint128 credited;
        uint128 claimed;
    }

    /// @dev Everything recordInference needs besides the model, in one slot.
    struct Config {
        address treasury;
        uint16 ownerBps;
        uint16 treasuryBps;
        uint64 challengeWindow;
    }

    /// @dev A root as stored: `funded` is what posting it added (refunded to the treasury if it is revoked).
    struct StoredRoot {
        bytes32 root;
        uint128 total;
        uint128 funded;
        uint64 claimableAt;
        bool revoked;
    }

    uint256 private constant BPS = GovernanceConfig.BPS;
    /// @notice Most contributors one recordInference may credit.
    uint256 public constant MAX_CONTRIBUTORS = GovernanceConfig.LEDGER_MAX_CONTRIBUTORS;

    IModelRegistry private immutable _modelRegistry;
    Config private _config;
    address private _attester;
    uint256 private _rootCount;
    uint256 private _rootTotal;
    mapping(uint256 rootId => StoredRoot) private _roots;
    mapping(address account => Account) private _accounts;
    mapping(address account => uint256) private _rootClaimed;
    mapping(bytes32 inferenceKey => bool) private _recorded;

    /// @notice Sets the registry, the owner (the TimelockController), the treasury and the attester; shares and the
    /// challenge window start at GovernanceConfig's defaults.
    constructor(IModelRegistry modelRegistry_, address initialOwner, address treasury_, address attester_)
        Ownable(initialOwner)
    {
        if (treasury_ == address(0)) revert LedgerZeroTreasury();
        _modelRegistry = modelRegistry_;
        _config = Config({
            treasury: treasury_,
            ownerBps: GovernanceConfig.LEDGER_OWNER_BPS,
            treasuryBps: GovernanceConfig.LEDGER_TREASURY_BPS,
            challengeWindow: GovernanceConfig.LEDGER_CHALLENGE_WINDOW
        });
        _attester = attester_;
    }

    // ---------------------------------------------------------------- inferences

    /// @inheritdoc IAttributionLedger
    function recordInference(
        uint256 modelId,
        bytes32 outputHash,
        address[] calldata contributors,
        uint16[] calldata weightsBps,
        uint8 methodId
    ) external payable {
        address modelOwner = _record(modelId, outputHash, contributors.length, weightsBps.length, methodId);
        _distribute(modelId, modelOwner, contributors, weightsBps);
    }

    // ---------------------------------------------------------------- claims

    /// @inheritdoc IAttributionLedger
    function claim() external nonReentrant returns (uint256 amount) {
        return _claim(msg.sender);
    }

    /// @inheritdoc IAttributionLedger
    function claimFor(address account) external nonReentrant returns (uint256 amount) {
        return _claim(account);
    }

    // ---------------------------------------------------------------- reward roots

    /// @inheritdoc IAttributionLedger
    function postRewardRoot(bytes32 root, uint256 total) external payable returns (uint256 rootId) {
        if (msg.sender != _attester) revert LedgerNotAttester(msg.sender);
        if (root == bytes32(0)) revert LedgerZeroRoot();

        uint256 latest = _rootCount;
        if (latest != 0) {
            StoredRoot storage last = _roots[latest];
            if (!last.revoked && block.timestamp < last.claimableAt) revert LedgerRootPending(latest, last.claimableAt);
        }
        uint256 previousTotal = _rootTotal;
        if (total < previousTotal) revert LedgerRootTotalDecreased(total, previousTotal);
        if (msg.value != total - previousTotal) revert LedgerRootFunding(msg.value, total - previousTotal);

        uint64 claimableAt = uint64(block.timestamp) + _config.challengeWindow;
        rootId = latest + 1;
        _rootCount = rootId;
        _rootTotal = total;
        _roots[rootId] = StoredRoot({
            root: root,
            total: SafeCast.toUint128(total),
            funded: uint128(msg.value), // msg.value <= total, which fits in uint128 (checked just above)
            claimableAt: claimableAt,
            revoked: false
        });
        emit RewardRootPosted(rootId, root, total, msg.value, claimableAt);
    }

    /// @inheritdoc IAttributionLedger
    function claimRoot(uint256 rootId, address account, uint256 cumulativeAmount, bytes32[] calldata proof)
        external
        nonReentrant
        returns (uint256 amount)
    {
        StoredRoot storage stored = _storedRoot(rootId);
        if (stored.revoked) revert LedgerRootRevoked(rootId);
        if (block.timestamp < stored.claimableAt) revert LedgerRootNotClaimable(rootId, stored.claimableAt);

        // StandardMerkleTree leaf: the double hash of the ABI-encoded (address, uint256) pair.
        bytes32 leaf = keccak256(bytes.concat(keccak256(abi.encode(account, cumulativeAmount))));
        if (!MerkleProof.verifyCalldata(proof, stored.root, leaf)) {
            revert LedgerInvalidProof(rootId, account, cumulativeAmount);
        }

        uint256 alreadyClaimed = _rootClaimed[account];
        if (cumulativeAmount <= alreadyClaimed) {
            revert LedgerRootNothingToClaim(rootId, account, cumulativeAmount, alreadyClaimed);
        }
        _rootClaimed[account] = cumulativeAmount;
        amount = cumulativeAmount - alreadyClaimed;
        emit RootClaimed(rootId, account, amount, cumulativeAmount);
        _send(account, amount);
    }

    /// @inheritdoc IAttributionLedger
    function revokeRoot(uint256 rootId) external onlyOwner {
        StoredRoot storage stored = _storedRoot(rootId);
        if (stored.revoked) revert LedgerRootRevoked(rootId);
        if (block.timestamp >= stored.claimableAt) revert LedgerChallengeWindowOver(rootId, stored.claimableAt);

        // Only one root is ever pending, and a later root cannot be posted while it is, so this root is the latest and
        // _rootTotal equals its total: rolling back by `funded` restores the previous standing root's total.
        uint256 refund = stored.funded;
        stored.revoked = true;
        _rootTotal -= refund;
        emit RewardRootRevoked(rootId, refund);
        _credit(_config.treasury, 0, refund);
    }

    // ---------------------------------------------------------------- governance

    /// @inheritdoc IAttributionLedger
    function setShares(uint16 ownerBps, uint16 treasuryBps) external onlyOwner {
        if (uint256(ownerBps) + treasuryBps > GovernanceConfig.LEDGER_MAX_SHARES_BPS) {
            revert LedgerSharesTooHigh(ownerBps, treasuryBps);
        }
        _config.ownerBps = ownerBps;
        _config.treasuryBps = treasuryBps;
        emit SharesUpdated(ownerBps, treasuryBps);
    }

    /// @inheritdoc IAttributionLedger
    function setTreasury(address newTreasury) external onlyOwner {
        if (newTreasury == address(0)) revert LedgerZeroTreasury();
        address previous = _config.treasury;
        _config.treasury = newTreasury;
        emit TreasuryUpdated(previous, newTreasury);
    }

    /// @inheritdoc IAttributionLedger
    function setAttester(address newAttester) external onlyOwner {
        address previous = _attester;
        _attester = newAttester;
        emit AttesterUpdated(previous, newAttester);
    }

    /// @inheritdoc IAttributionLedger
    function setChallengeWindow(uint64 window) external onlyOwner {
        if (window < GovernanceConfig.LEDGER_MIN_CHALLENGE_WINDOW || window > GovernanceConfig.LEDGER_MAX_CHALLENGE_WINDOW)
        {
            revert LedgerChallengeWindowOutOfRange(window);
        }
        uint64 previous = _config.challengeWindow;
        _config.challengeWindow = window;
        emit ChallengeWindowUpdated(previous, window);
    }

    // ---------------------------------------------------------------- views

    /// @inheritdoc IAttributionLedger
    function claimable(address account) external view returns (uint256) {
        Account memory balance = _accounts[account];
        return balance.credited - balance.claimed;
    }

    /// @inheritdoc IAttributionLedger
    function balances(address account) external view returns (uint256 credited, uint256 claimed) {
        Account memory balance = _accounts[account];
        return (balance.credited, balance.claimed);
    }

    /// @inheritdoc IAttributionLedger
    function rootClaimed(address account) external view returns (uint256) {
        return _rootClaimed[account];
    }

    /// @inheritdoc IAttributionLedger
    function isRecorded(uint256 modelId, bytes32 outputHash) external view returns (bool) {
        return _recorded[_inferenceKey(modelId, outputHash)];
    }

    /// @inheritdoc IAttributionLedger
    function rewardRoot(uint256 rootId) external view returns (RewardRoot memory) {
        StoredRoot storage stored = _storedRoot(rootId);
        return RewardRoot({
            root: stored.root, total: stored.total, claimableAt: stored.claimableAt, revoked: stored.revoked
        });
    }

    /// @inheritdoc IAttributionLedger
    function rootCount() external view returns (uint256) {
        return _rootCount;
    }

    /// @inheritdoc IAttributionLedger
    function rootTotal() external view returns (uint256) {
        return _rootTotal;
    }

    /// @inheritdoc IAttributionLedger
    function modelRegistry() external view returns (address) {
        return address(_modelRegistry);
    }

    /// @inheritdoc IAttributionLedger
    function shares() external view returns (uint16 ownerBps, uint16 treasuryBps) {
        return (_config.ownerBps, _config.treasuryBps);
    }

    /// @inheritdoc IAttributionLedger
    function treasury() external view returns (address) {
        return _config.treasury;
    }

    /// @inheritdoc IAttributionLedger
    function attester() external view returns (address) {
        return _attester;
    }

    /// @inheritdoc IAttributionLedger
    function challengeWindow() external view returns (uint64) {
        return _config.challengeWindow;
    }

    // ---------------------------------------------------------------- internals

    /// @dev Adds `amount` (at most one msg.value, so below 2**128) to `account`'s credited total; zero shares are skipped.
    function _credit(address account, uint256 modelId, uint256 amount) private {
        if (amount == 0) return;
        // forge-lint: disable-next-line(unsafe-typecast)
        _accounts[account].credited += uint128(amount);
        emit Credited(account, modelId, amount);
    }

    /// @dev Checks the arrays' lengths, the model and the fee, and marks (modelId, outputHash) recorded; returns the
    /// model's owner.
    function _record(uint256 modelId, bytes32 outputHash, uint256 count, uint256 weightCount, uint8 methodId)
        private
        returns (address modelOwner)
    {
        if (count == 0 || count > MAX_CONTRIBUTORS) revert LedgerContributorCount(count, MAX_CONTRIBUTORS);
        if (weightCount != count) revert LedgerLengthMismatch(count, weightCount);

        uint96 fee;
        bool deprecated;
        (modelOwner, fee, deprecated) = _modelRegistry.ownerAndFee(modelId);
        if (deprecated) revert LedgerModelDeprecated(modelId);
        if (msg.value < fee) revert LedgerFeeTooLow(modelId, msg.value, fee);

        bytes32 key = _inferenceKey(modelId, outputHash);
        if (_recorded[key]) revert LedgerAlreadyRecorded(modelId, outputHash);
        _recorded[key] = true;
        emit InferenceRecorded(modelId, outputHash, msg.sender, msg.value, methodId);
    }

    /// @dev Splits msg.value: treasury and owner shares first, the rest to contributors by weight, dust to the owner.
    function _distribute(
        uint256 modelId,
        address modelOwner,
        address[] calldata contributors,
        uint16[] calldata weightsBps
    ) private {
        // Every share below is at most `value`, so the uint128 casts in _credit are exact.
        uint256 value = SafeCast.toUint128(msg.value);
        Config memory config = _config;
        uint256 treasuryAmount = value * config.treasuryBps / BPS;
        uint256 ownerAmount = value * config.ownerBps / BPS;
        // setShares keeps ownerBps + treasuryBps <= LEDGER_MAX_SHARES_BPS < BPS, so the pool is never negative.
        uint256 pool = value - treasuryAmount - ownerAmount;
        uint256 distributed = _creditContributors(modelId, pool, contributors, weightsBps);

        // Rounding dust (less than one wei per contributor) goes to the model owner.
        _credit(modelOwner, modelId, ownerAmount + (pool - distributed));
        _credit(config.treasury, modelId, treasuryAmount);
    }

    /// @dev Credits each contributor pool * weight / BPS (rounded down) and returns the sum credited; reverts unless
    /// every contributor is nonzero, every weight positive and the weights sum to exactly BPS.
    function _creditContributors(
        uint256 modelId,
        uint256 pool,
        address[] calldata contributors,
        uint16[] calldata weightsBps
    ) private returns (uint256 distributed) {
        uint256 weightSum;
        for (uint256 i; i < contributors.length; ++i) {
            address contributor = contributors[i];
            uint256 weight = weightsBps[i];
            if (contributor == address(0)) revert LedgerZeroContributor(i);
            if (weight == 0) revert LedgerZeroWeight(i);
            weightSum += weight;
            uint256 amount = pool * weight / BPS;
            distributed += amount;
            _credit(contributor, modelId, amount);
        }
        // With weights summing to BPS, distributed <= pool, which the caller's `pool - distributed` relies on.
        if (weightSum != BPS) revert LedgerWeightsSum(weightSum);
    }

    /// @dev Pays `account` everything credited and not yet claimed (checks, effects, then the transfer).
    function _claim(address account) private returns (uint256 amount) {
        Account storage balance = _accounts[account];
        uint128 credited = balance.credited;
        amount = credited - balance.claimed;
        if (amount == 0) revert LedgerNothingToClaim(account);
        balance.claimed = credited;
        emit Claimed(account, msg.sender, amount);
        _send(account, amount);
    }

    /// @dev Sends native OPEN without copying return data, so a receiver cannot make a relayer pay for a return bomb.
    function _send(address to, uint256 amount) private {
        if (!LowLevelCall.callNoReturn(to, amount, "")) revert LedgerTransferFailed(to, amount);
    }

    function _storedRoot(uint256 rootId) private view returns (StoredRoot storage stored) {
        if (rootId == 0 || rootId > _rootCount) revert LedgerUnknownRoot(rootId);
        return _roots[rootId];
    }

    function _inferenceKey(uint256 modelId, bytes32 outputHash) private pure returns (bytes32) {
        return keccak256(abi.encode(modelId, outputHash));
    }
}
