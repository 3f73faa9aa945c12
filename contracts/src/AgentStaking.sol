// SPDX-License-Identifier: MIT
// AgentStaking: native OPEN bonds of agents (model endpoints), an unbonding cooldown, and capped slashing by governance.
// Slashed funds are owed (pulled with collectFor), not pushed, so a reverting reporter cannot block a passed proposal.
pragma solidity 0.8.30;

import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {Ownable2Step} from "@openzeppelin/contracts/access/Ownable2Step.sol";
import {LowLevelCall} from "@openzeppelin/contracts/utils/LowLevelCall.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";

import {GovernanceConfig} from "./GovernanceConfig.sol";
import {IAgentStaking} from "./interfaces/IAgentStaking.sol";

/// @title AgentStaking
/// @notice See IAgentStaking. The owner is the TimelockController, so a slash is always a passed, delayed proposal.
contract AgentStaking is IAgentStaking, Ownable2Step, ReentrancyGuardTransient {
    uint256 private constant BPS = GovernanceConfig.BPS;
    /// @notice Most of an agent's bond + unbonding that one slash may take, in basis points.
    uint16 public constant MAX_SLASH_BPS = GovernanceConfig.STAKING_MAX_SLASH_BPS;

    mapping(address agent => Stake) private _stakes;
    mapping(address account => uint256) private _owed;
    address private _treasury;
    uint64 private _cooldown;
    uint16 private _reporterBountyBps;

    /// @notice Sets the owner (the TimelockController) and the treasury; cooldown and bounty start at the defaults.
    constructor(address initialOwner, address treasury_) Ownable(initialOwner) {
        if (treasury_ == address(0)) revert StakingZeroTreasury();
        _treasury = treasury_;
        _cooldown = GovernanceConfig.STAKING_UNBOND_COOLDOWN;
        _reporterBountyBps = GovernanceConfig.STAKING_REPORTER_BOUNTY_BPS;
    }

    // ---------------------------------------------------------------- agents

    /// @inheritdoc IAgentStaking
    function bond() external payable {
        if (msg.value == 0) revert StakingZeroAmount();
        Stake storage stake = _stakes[msg.sender];
        uint128 bonded = stake.bonded + SafeCast.toUint128(msg.value);
        stake.bonded = bonded;
        emit Bonded(msg.sender, msg.value, bonded);
    }

    /// @inheritdoc IAgentStaking
    function requestUnbond(uint256 amount) external {
        if (amount == 0) revert StakingZeroAmount();
        Stake storage stake = _stakes[msg.sender];
        uint128 bonded = stake.bonded;
        if (amount > bonded) revert StakingInsufficientBond(amount, bonded);
        uint64 readyAt = uint64(block.timestamp) + _cooldown;
        // casting to 'uint128' is safe because amount <= bonded, a uint128, checked just above
        // forge-lint: disable-next-line(unsafe-typecast)
        uint128 moved = uint128(amount);
        stake.bonded = bonded - moved;
        uint128 unbonding = stake.unbonding + moved;
        stake.unbonding = unbonding;
        stake.unbondReadyAt = readyAt;
        emit UnbondRequested(msg.sender, amount, unbonding, readyAt);
    }

    /// @inheritdoc IAgentStaking
    function withdraw() external nonReentrant returns (uint256 amount) {
        Stake storage stake = _stakes[msg.sender];
        amount = stake.unbonding;
        if (amount == 0) revert StakingNothingToWithdraw(msg.sender);
        if (block.timestamp < stake.unbondReadyAt) revert StakingCooldownActive(msg.sender, stake.unbondReadyAt);
        stake.unbonding = 0;
        emit Withdrawn(msg.sender, amount);
        _send(msg.sender, amount);
    }

    // ---------------------------------------------------------------- slashing

    /// @inheritdoc IAgentStaking
    function slash(address agent, uint256 amount, bytes32 evidenceHash, address reporter) external onlyOwner {
        if (amount == 0) revert StakingZeroAmount();
        Stake storage stake = _stakes[agent];
        uint128 bonded = stake.bonded;
        uint128 unbonding = stake.unbonding;
        uint256 cap = (uint256(bonded) + unbonding) * MAX_SLASH_BPS / BPS;
        if (amount > cap) revert StakingSlashTooLarge(amount, cap);

        // amount <= cap <= bonded + unbonding, so taking the bond first leaves fromUnbonding <= unbonding; both parts
        // are bounded by uint128 values, so their casts are exact.
        // forge-lint: disable-next-line(unsafe-typecast)
        uint128 fromBond = amount < bonded ? uint128(amount) : bonded;
        // forge-lint: disable-next-line(unsafe-typecast)
        uint128 fromUnbonding = uint128(amount - fromBond);
        stake.bonded = bonded - fromBond;
        stake.unbonding = unbonding - fromUnbonding;

        uint256 bounty = reporter == address(0) ? 0 : amount * _reporterBountyBps / BPS;
        _owed[_treasury] += amount - bounty;
        if (bounty != 0) _owed[reporter] += bounty;
        emit Slashed(agent, amount, evidenceHash, reporter, bounty);
    }

    /// @inheritdoc IAgentStaking
    function collectFor(address account) external nonReentrant returns (uint256 amount) {
        amount = _owed[account];
        if (amount == 0) revert StakingNothingOwed(account);
        _owed[account] = 0;
        emit Collected(account, amount);
        _send(account, amount);
    }

    // ---------------------------------------------------------------- governance

    /// @inheritdoc IAgentStaking
    function setCooldown(uint64 newCooldown) external onlyOwner {
        if (newCooldown < GovernanceConfig.STAKING_MIN_COOLDOWN || newCooldown > GovernanceConfig.STAKING_MAX_COOLDOWN) {
            revert StakingCooldownOutOfRange(newCooldown);
        }
        uint64 previous = _cooldown;
        _cooldown = newCooldown;
        emit CooldownUpdated(previous, newCooldown);
    }

    /// @inheritdoc IAgentStaking
    function setReporterBounty(uint16 bountyBps) external onlyOwner {
        if (bountyBps > GovernanceConfig.STAKING_MAX_REPORTER_BOUNTY_BPS) {
            revert StakingBountyTooHigh(bountyBps, GovernanceConfig.STAKING_MAX_REPORTER_BOUNTY_BPS);
        }
        uint16 previous = _reporterBountyBps;
        _reporterBountyBps = bountyBps;
        emit ReporterBountyUpdated(previous, bountyBps);
    }

    /// @inheritdoc IAgentStaking
    function setTreasury(address newTreasury) external onlyOwner {
        if (newTreasury == address(0)) revert StakingZeroTreasury();
        address previous = _treasury;
        _treasury = newTreasury;
        emit TreasuryUpdated(previous, newTreasury);
    }

    // ---------------------------------------------------------------- views

    /// @inheritdoc IAgentStaking
    function stakeOf(address agent) external view returns (Stake memory) {
        return _stakes[agent];
    }

    /// @inheritdoc IAgentStaking
    function slashCap(address agent) external view returns (uint256) {
        Stake memory stake = _stakes[agent];
        return (uint256(stake.bonded) + stake.unbonding) * MAX_SLASH_BPS / BPS;
    }

    /// @inheritdoc IAgentStaking
    function owed(address account) external view returns (uint256) {
        return _owed[account];
    }

    /// @inheritdoc IAgentStaking
    function cooldown() external view returns (uint64) {
        return _cooldown;
    }

    /// @inheritdoc IAgentStaking
    function reporterBountyBps() external view returns (uint16) {
        return _reporterBountyBps;
    }

    /// @inheritdoc IAgentStaking
    function treasury() external view returns (address) {
        return _treasury;
    }

    // ---------------------------------------------------------------- internals

    /// @dev Sends native OPEN without copying return data; a failed send reverts with StakingTransferFailed.
    function _send(address to, uint256 amount) private {
        if (!LowLevelCall.callNoReturn(to, amount, "")) revert StakingTransferFailed(to, amount);
    }
}
