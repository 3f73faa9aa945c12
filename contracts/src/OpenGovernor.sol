// SPDX-License-Identifier: MIT
// OpenGovernor: WOPEN holders govern Ledgerlight through a TimelockController that owns every admin role.
// All parameters come from GovernanceConfig; periods are seconds because WOpen's clock is block timestamps.
pragma solidity 0.8.30;

import {Governor} from "@openzeppelin/contracts/governance/Governor.sol";
import {TimelockController} from "@openzeppelin/contracts/governance/TimelockController.sol";
import {GovernorCountingSimple} from "@openzeppelin/contracts/governance/extensions/GovernorCountingSimple.sol";
import {GovernorSettings} from "@openzeppelin/contracts/governance/extensions/GovernorSettings.sol";
import {GovernorTimelockControl} from "@openzeppelin/contracts/governance/extensions/GovernorTimelockControl.sol";
import {GovernorVotes} from "@openzeppelin/contracts/governance/extensions/GovernorVotes.sol";
import {GovernorVotesQuorumFraction} from
    "@openzeppelin/contracts/governance/extensions/GovernorVotesQuorumFraction.sol";
import {IVotes} from "@openzeppelin/contracts/governance/utils/IVotes.sol";

import {GovernanceConfig} from "./GovernanceConfig.sol";

/// @title OpenGovernor
/// @notice Governor with simple counting (against, for, abstain), WOPEN votes, a quorum fraction of the supply and
/// execution through `timelock`, which must grant this contract PROPOSER_ROLE and CANCELLER_ROLE.
contract OpenGovernor is
    Governor,
    GovernorSettings,
    GovernorCountingSimple,
    GovernorVotes,
    GovernorVotesQuorumFraction,
    GovernorTimelockControl
{
    /// @notice Binds the governor to the WOPEN vote token and the timelock, with GovernanceConfig's parameters.
    constructor(IVotes token, TimelockController timelock)
        Governor("OpenGovernor")
        GovernorSettings(
            GovernanceConfig.VOTING_DELAY, GovernanceConfig.VOTING_PERIOD, GovernanceConfig.PROPOSAL_THRESHOLD
        )
        GovernorVotes(token)
        GovernorVotesQuorumFraction(GovernanceConfig.QUORUM_PERCENT)
        GovernorTimelockControl(timelock)
    {}

    /// @notice The proposal's state, including the timelock's view of queued proposals.
    function state(uint256 proposalId)
        public
        view
        override(Governor, GovernorTimelockControl)
        returns (ProposalState)
    {
        return super.state(proposalId);
    }

    /// @notice Always true: every proposal is queued in the timelock.
    function proposalNeedsQueuing(uint256 proposalId)
        public
        view
        override(Governor, GovernorTimelockControl)
        returns (bool)
    {
        return super.proposalNeedsQueuing(proposalId);
    }

    /// @notice Votes needed to propose (GovernorSettings).
    function proposalThreshold() public view override(Governor, GovernorSettings) returns (uint256) {
        return super.proposalThreshold();
    }

    function _queueOperations(
        uint256 proposalId,
        address[] memory targets,
        uint256[] memory values,
        bytes[] memory calldatas,
        bytes32 descriptionHash
    ) internal override(Governor, GovernorTimelockControl) returns (uint48) {
        return super._queueOperations(proposalId, targets, values, calldatas, descriptionHash);
    }

    function _executeOperations(
        uint256 proposalId,
        address[] memory targets,
        uint256[] memory values,
        bytes[] memory calldatas,
        bytes32 descriptionHash
    ) internal override(Governor, GovernorTimelockControl) {
        super._executeOperations(proposalId, targets, values, calldatas, descriptionHash);
    }

    function _cancel(
        address[] memory targets,
        uint256[] memory values,
        bytes[] memory calldatas,
        bytes32 descriptionHash
    ) internal override(Governor, GovernorTimelockControl) returns (uint256) {
        return super._cancel(targets, values, calldatas, descriptionHash);
    }

    function _executor() internal view override(Governor, GovernorTimelockControl) returns (address) {
        return super._executor();
    }
}
