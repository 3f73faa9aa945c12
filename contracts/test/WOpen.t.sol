// SPDX-License-Identifier: MIT
// Unit and fuzz tests of WOpen: wrapping (deposit and plain transfers) and unwrapping, ERC-2612 permits signed with
// vm.sign, ERC20Votes on the timestamp clock, and the automatic self-delegation of an account on its first receipt.
pragma solidity 0.8.30;

import {IERC20Errors} from "@openzeppelin/contracts/interfaces/draft-IERC6093.sol";
import {ERC20Permit} from "@openzeppelin/contracts/token/ERC20/extensions/ERC20Permit.sol";
import {IVotes} from "@openzeppelin/contracts/governance/utils/IVotes.sol";
import {Votes} from "@openzeppelin/contracts/governance/utils/Votes.sol";

import {WOpen} from "../src/WOpen.sol";
import {IWOpen} from "../src/interfaces/IWOpen.sol";
import {Test, vm} from "./Vm.sol";

/// @notice A holder contract whose receive() reverts, so unwrapping to it fails.
contract WOpenRejectingHolder {
    error WOpenRejectingHolderRejected();

    WOpen internal immutable _wopen;

    constructor(WOpen wopen_) payable {
        _wopen = wopen_;
    }

    /// @notice Wraps `amount` of its own native balance.
    function deposit(uint256 amount) external {
        _wopen.deposit{value: amount}();
    }

    /// @notice Unwraps `amount`.
    function withdraw(uint256 amount) external {
        _wopen.withdraw(amount);
    }

    receive() external payable {
        revert WOpenRejectingHolderRejected();
    }
}

/// @notice A holder contract that tries to unwrap again from receive(), to show a re-entry pays only its own balance.
contract WOpenReentrantHolder {
    WOpen internal immutable _wopen;
    bytes4 public innerRevert;
    uint256 public entries;

    constructor(WOpen wopen_) payable {
        _wopen = wopen_;
    }

    /// @notice Wraps `amount` of its own native balance.
    function deposit(uint256 amount) external {
        _wopen.deposit{value: amount}();
    }

    /// @notice Unwraps `amount` (the outer call).
    function withdraw(uint256 amount) external {
        _wopen.withdraw(amount);
    }

    receive() external payable {
        if (++entries > 1) return;
        try _wopen.withdraw(msg.value) {
            innerRevert = 0xffffffff; // marks an unexpected success
        } catch (bytes memory reason) {
            innerRevert = bytes4(reason);
        }
    }
}

/// @notice Sends native OPEN to WOpen with Solidity's 2,300-gas `transfer`, as old contracts do.
contract WOpenStipendSender {
    constructor() payable {}

    /// @notice Sends `amount` to `target` with the 2,300-gas stipend.
    function send(address payable target, uint256 amount) external {
        target.transfer(amount);
    }
}

contract WOpenTest is Test {
    WOpen internal wopen;

    uint256 internal constant ALICE_KEY = 0xA11CE;
    address internal alice;
    address internal constant BOB = address(0xB0B);
    address internal constant CAROL = address(0xCA201);
    bytes32 internal constant PERMIT_TYPEHASH =
        keccak256("Permit(address owner,address spender,uint256 value,uint256 nonce,uint256 deadline)");
    uint256 internal constant START = 1_700_000_000;

    function setUp() public {
        vm.warp(START);
        wopen = new WOpen();
        alice = vm.addr(ALICE_KEY);
        vm.deal(alice, 1_000 ether);
        vm.deal(BOB, 1_000 ether);
        vm.deal(CAROL, 1_000 ether);
    }

    function _deposit(address account, uint256 amount) internal {
        vm.prank(account);
        wopen.deposit{value: amount}();
    }

    function _permitDigest(address owner, address spender, uint256 value, uint256 nonce, uint256 deadline)
        internal
        view
        returns (bytes32)
    {
        bytes32 structHash = keccak256(abi.encode(PERMIT_TYPEHASH, owner, spender, value, nonce, deadline));
        return keccak256(abi.encodePacked("\x19\x01", wopen.DOMAIN_SEPARATOR(), structHash));
    }

    function _permit(address spender, uint256 value, uint256 deadline) internal {
        bytes32 digest = _permitDigest(alice, spender, value, wopen.nonces(alice), deadline);
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(ALICE_KEY, digest);
        wopen.permit(alice, spender, value, deadline, v, r, s);
    }

    // ------------------------------------------------------------ metadata

    function test_constructor_namesToken() public view {
        vm.assertEq(wopen.name(), "Wrapped OPEN");
        vm.assertEq(wopen.symbol(), "WOPEN");
        vm.assertEq(uint256(wopen.decimals()), 18);
        vm.assertEq(wopen.totalSupply(), 0);
    }

    // ------------------------------------------------------------ deposit / receive

    function test_deposit_mintsOneForOne() public {
        vm.expectEmit(address(wopen));
        emit IWOpen.Deposited(alice, 3 ether);
        _deposit(alice, 3 ether);
        vm.assertEq(wopen.balanceOf(alice), 3 ether);
        vm.assertEq(wopen.totalSupply(), 3 ether);
        vm.assertEq(address(wopen).balance, 3 ether);
        vm.assertEq(alice.balance, 997 ether);
    }

    function test_deposit_zeroReverts() public {
        vm.expectRevert(IWOpen.WOpenZeroAmount.selector);
        _deposit(alice, 0);
    }

    function test_receive_plainTransferWraps() public {
        vm.expectEmit(address(wopen));
        emit IWOpen.Deposited(BOB, 2 ether);
        vm.prank(BOB);
        (bool ok,) = address(wopen).call{value: 2 ether}("");
        vm.assertTrue(ok, "plain transfer accepted");
        vm.assertEq(wopen.balanceOf(BOB), 2 ether);
        vm.assertEq(wopen.getVotes(BOB), 2 ether, "self-delegated on the way");
        vm.assertEq(address(wopen).balance, 2 ether);
    }

    function test_receive_zeroReverts() public {
        vm.expectRevert(IWOpen.WOpenZeroAmount.selector);
        vm.prank(BOB);
        (bool ok,) = address(wopen).call("");
        vm.assertTrue(ok, "expectRevert reports the expected revert of a low-level call as success");
    }

    /// A 2,300-gas `transfer` cannot pay for the mint and the vote checkpoint: contracts must call deposit() with gas.
    function test_receive_stipendTransferReverts() public {
        WOpenStipendSender sender = new WOpenStipendSender{value: 1 ether}();
        vm.expectRevert();
        sender.send(payable(address(wopen)), 1 ether);
        vm.assertEq(wopen.totalSupply(), 0);
    }

    // ------------------------------------------------------------ withdraw

    function test_withdraw_burnsAndPays() public {
        _deposit(alice, 5 ether);
        vm.expectEmit(address(wopen));
        emit IWOpen.Withdrawn(alice, 2 ether);
        vm.prank(alice);
        wopen.withdraw(2 ether);
        vm.assertEq(wopen.balanceOf(alice), 3 ether);
        vm.assertEq(wopen.totalSupply(), 3 ether);
        vm.assertEq(address(wopen).balance, 3 ether);
        vm.assertEq(alice.balance, 997 ether);
        vm.assertEq(wopen.getVotes(alice), 3 ether, "votes follow the burn");
    }

    function test_withdraw_zeroReverts() public {
        _deposit(alice, 1 ether);
        vm.expectRevert(IWOpen.WOpenZeroAmount.selector);
        vm.prank(alice);
        wopen.withdraw(0);
    }

    function test_withdraw_moreThanBalanceReverts() public {
        _deposit(alice, 1 ether);
        _deposit(BOB, 5 ether);
        vm.expectRevert(
            abi.encodeWithSelector(IERC20Errors.ERC20InsufficientBalance.selector, alice, 1 ether, 1 ether + 1)
        );
        vm.prank(alice);
        wopen.withdraw(1 ether + 1);
    }

    function test_withdraw_rejectingReceiverReverts() public {
        WOpenRejectingHolder holder = new WOpenRejectingHolder{value: 4 ether}(wopen);
        holder.deposit(4 ether);
        vm.expectRevert(abi.encodeWithSelector(IWOpen.WOpenTransferFailed.selector, address(holder), 4 ether));
        holder.withdraw(4 ether);
        vm.assertEq(wopen.balanceOf(address(holder)), 4 ether, "the burn is undone");
        vm.assertEq(address(wopen).balance, 4 ether);
    }

    function test_withdraw_reentryPaysOnlyTheRemainingBalance() public {
        WOpenReentrantHolder holder = new WOpenReentrantHolder{value: 4 ether}(wopen);
        holder.deposit(4 ether);
        _deposit(alice, 10 ether); // funds a re-entry would like to take
        holder.withdraw(3 ether);
        vm.assertEq(
            uint256(uint32(holder.innerRevert())),
            uint256(uint32(IERC20Errors.ERC20InsufficientBalance.selector)),
            "the burn came first, so the inner withdraw of 3 more fails"
        );
        vm.assertEq(address(holder).balance, 3 ether);
        vm.assertEq(wopen.balanceOf(address(holder)), 1 ether);
        vm.assertEq(address(wopen).balance, 11 ether);
        vm.assertEq(wopen.totalSupply(), 11 ether);
    }

    function testFuzz_depositWithdraw(uint128 depositSeed, uint128 withdrawSeed, uint128 otherSeed) public {
        uint256 deposited = 1 + uint256(depositSeed) % 1_000 ether;
        uint256 withdrawn = 1 + uint256(withdrawSeed) % deposited;
        uint256 other = 1 + uint256(otherSeed) % 1_000 ether;
        _deposit(alice, deposited);
        _deposit(BOB, other);
        vm.prank(alice);
        wopen.withdraw(withdrawn);

        vm.assertEq(wopen.balanceOf(alice), deposited - withdrawn);
        vm.assertEq(alice.balance + wopen.balanceOf(alice), 1_000 ether, "alice's native + wrapped is conserved");
        vm.assertEq(address(wopen).balance, wopen.totalSupply(), "fully backed");
        vm.assertEq(wopen.totalSupply(), deposited - withdrawn + other);
        vm.assertEq(wopen.getVotes(alice), wopen.balanceOf(alice), "votes == balance");
        vm.assertEq(wopen.getVotes(BOB), other);
    }

    function testFuzz_transfer(uint128 depositSeed, uint128 amountSeed, bool toFreshAccount) public {
        uint256 deposited = 1 + uint256(depositSeed) % 1_000 ether;
        uint256 amount = uint256(amountSeed) % (deposited + 1);
        address to = toFreshAccount ? address(0xF2E5) : BOB;
        _deposit(alice, deposited);
        _deposit(BOB, 1 ether);
        vm.prank(alice);
        vm.assertTrue(wopen.transfer(to, amount), "transferred");

        vm.assertEq(wopen.getVotes(alice), deposited - amount);
        vm.assertEq(wopen.getVotes(to), wopen.balanceOf(to), "the receiver votes its balance");
        vm.assertEq(wopen.delegates(to), to);
        vm.assertEq(
            wopen.getVotes(alice) + wopen.getVotes(BOB) + wopen.getVotes(address(0xF2E5)),
            wopen.totalSupply(),
            "every token votes"
        );
    }

    // ------------------------------------------------------------ permit

    function test_DOMAIN_SEPARATOR_matchesEip712Domain() public view {
        bytes32 expected = keccak256(
            abi.encode(
                keccak256("EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)"),
                keccak256("Wrapped OPEN"),
                keccak256("1"),
                block.chainid,
                address(wopen)
            )
        );
        vm.assertEq(wopen.DOMAIN_SEPARATOR(), expected);
    }

    function test_permit_setsAllowance() public {
        _deposit(alice, 10 ether);
        uint256 deadline = block.timestamp + 1 hours;
        _permit(BOB, 4 ether, deadline);
        vm.assertEq(wopen.allowance(alice, BOB), 4 ether);
        vm.assertEq(wopen.nonces(alice), 1, "nonce used");

        vm.prank(BOB);
        vm.assertTrue(wopen.transferFrom(alice, CAROL, 4 ether), "transferred");
        vm.assertEq(wopen.balanceOf(CAROL), 4 ether);
        vm.assertEq(wopen.allowance(alice, BOB), 0);
    }

    function test_permit_atDeadlineAccepted() public {
        _permit(BOB, 1 ether, block.timestamp);
        vm.assertEq(wopen.allowance(alice, BOB), 1 ether);
    }

    function test_permit_expiredReverts() public {
        uint256 deadline = block.timestamp - 1;
        bytes32 digest = _permitDigest(alice, BOB, 1 ether, 0, deadline);
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(ALICE_KEY, digest);
        vm.expectRevert(abi.encodeWithSelector(ERC20Permit.ERC2612ExpiredSignature.selector, deadline));
        wopen.permit(alice, BOB, 1 ether, deadline, v, r, s);
    }

    function test_permit_wrongSignerReverts() public {
        uint256 mallory = 0xBAD;
        uint256 deadline = block.timestamp + 1 hours;
        bytes32 digest = _permitDigest(alice, BOB, 1 ether, 0, deadline);
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(mallory, digest);
        vm.expectRevert(abi.encodeWithSelector(ERC20Permit.ERC2612InvalidSigner.selector, vm.addr(mallory), alice));
        wopen.permit(alice, BOB, 1 ether, deadline, v, r, s);
    }

    function test_permit_replayReverts() public {
        uint256 deadline = block.timestamp + 1 hours;
        bytes32 digest = _permitDigest(alice, BOB, 1 ether, 0, deadline);
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(ALICE_KEY, digest);
        wopen.permit(alice, BOB, 1 ether, deadline, v, r, s);
        // The nonce moved on, so the same signature now recovers to some other address.
        vm.expectRevert(); // ERC2612InvalidSigner(<recovered for nonce 1>, alice)
        wopen.permit(alice, BOB, 1 ether, deadline, v, r, s);
        vm.assertEq(wopen.nonces(alice), 1);
    }

    function test_permit_changedValueReverts() public {
        uint256 deadline = block.timestamp + 1 hours;
        bytes32 digest = _permitDigest(alice, BOB, 1 ether, 0, deadline);
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(ALICE_KEY, digest);
        vm.expectRevert(); // ERC2612InvalidSigner(<recovered for 2 ether>, alice)
        wopen.permit(alice, BOB, 2 ether, deadline, v, r, s);
        vm.assertEq(wopen.allowance(alice, BOB), 0);
    }

    // ------------------------------------------------------------ clock

    function test_clock_isBlockTimestamp() public {
        vm.assertEq(uint256(wopen.clock()), START);
        vm.warp(START + 12345);
        vm.assertEq(uint256(wopen.clock()), START + 12345);
        vm.roll(block.number + 1000);
        vm.assertEq(uint256(wopen.clock()), START + 12345, "blocks do not move the clock");
    }

    function test_CLOCK_MODE_isTimestamp() public view {
        vm.assertEq(wopen.CLOCK_MODE(), "mode=timestamp");
    }

    function test_getPastVotes_byTimestamp() public {
        _deposit(alice, 1 ether);
        vm.warp(START + 100);
        _deposit(alice, 2 ether);
        vm.warp(START + 200);
        vm.prank(alice);
        wopen.withdraw(0.5 ether);
        vm.warp(START + 300);

        vm.assertEq(wopen.getPastVotes(alice, START - 1), 0);
        vm.assertEq(wopen.getPastVotes(alice, START), 1 ether);
        vm.assertEq(wopen.getPastVotes(alice, START + 99), 1 ether);
        vm.assertEq(wopen.getPastVotes(alice, START + 100), 3 ether);
        vm.assertEq(wopen.getPastVotes(alice, START + 200), 2.5 ether);
        vm.assertEq(wopen.getPastTotalSupply(START + 150), 3 ether);
        vm.assertEq(wopen.getPastTotalSupply(START + 299), 2.5 ether);
    }

    function test_getPastVotes_futureLookupReverts() public {
        vm.expectRevert(abi.encodeWithSelector(Votes.ERC5805FutureLookup.selector, START, uint48(START)));
        wopen.getPastVotes(alice, START);
        vm.expectRevert(abi.encodeWithSelector(Votes.ERC5805FutureLookup.selector, START + 1, uint48(START)));
        wopen.getPastTotalSupply(START + 1);
    }

    // ------------------------------------------------------------ automatic self-delegation

    function test_deposit_selfDelegatesNewHolder() public {
        vm.assertEq(wopen.delegates(alice), address(0));
        vm.expectEmit(address(wopen));
        emit IVotes.DelegateChanged(alice, address(0), alice);
        _deposit(alice, 7 ether);
        vm.assertEq(wopen.delegates(alice), alice);
        vm.assertEq(wopen.getVotes(alice), 7 ether);
        vm.assertEq(uint256(wopen.numCheckpoints(alice)), 1, "the first receipt writes one checkpoint");
    }

    function test_transfer_votesFollowBalanceForNewHolder() public {
        _deposit(alice, 10 ether);
        vm.prank(alice);
        vm.assertTrue(wopen.transfer(CAROL, 4 ether), "transferred");
        vm.assertEq(wopen.delegates(CAROL), CAROL, "a receipt self-delegates too");
        vm.assertEq(wopen.getVotes(CAROL), 4 ether);
        vm.assertEq(wopen.getVotes(alice), 6 ether);
        vm.assertEq(uint256(wopen.numCheckpoints(CAROL)), 1);

        vm.prank(CAROL);
        vm.assertTrue(wopen.transfer(alice, 1 ether), "transferred");
        vm.assertEq(wopen.getVotes(CAROL), 3 ether);
        vm.assertEq(wopen.getVotes(alice), 7 ether);
    }

    function test_transferFrom_selfDelegatesReceiver() public {
        _deposit(alice, 10 ether);
        vm.prank(alice);
        wopen.approve(BOB, 5 ether);
        vm.prank(BOB);
        vm.assertTrue(wopen.transferFrom(alice, CAROL, 5 ether), "transferred");
        vm.assertEq(wopen.delegates(CAROL), CAROL);
        vm.assertEq(wopen.getVotes(CAROL), 5 ether);
        vm.assertEq(wopen.getVotes(BOB), 0, "the spender gains nothing");
    }

    function test_delegate_chosenDelegateKeptOnReceipt() public {
        _deposit(alice, 10 ether);
        vm.prank(alice);
        wopen.delegate(BOB);
        vm.assertEq(wopen.getVotes(BOB), 10 ether);
        vm.assertEq(wopen.getVotes(alice), 0);

        _deposit(alice, 5 ether);
        _deposit(CAROL, 2 ether);
        vm.prank(CAROL);
        vm.assertTrue(wopen.transfer(alice, 2 ether), "transferred");
        vm.assertEq(wopen.delegates(alice), BOB, "alice keeps her choice");
        vm.assertEq(wopen.getVotes(BOB), 17 ether);
        vm.assertEq(wopen.getVotes(alice), 0);
    }

    function test_delegate_beforeFirstReceiptIsKept() public {
        vm.prank(alice);
        wopen.delegate(BOB);
        _deposit(alice, 3 ether);
        vm.assertEq(wopen.delegates(alice), BOB, "delegated while empty: no self-delegation on receipt");
        vm.assertEq(wopen.getVotes(BOB), 3 ether);
        vm.assertEq(wopen.getVotes(alice), 0);
    }

    function test_delegate_toZeroLastsUntilNextReceipt() public {
        _deposit(alice, 10 ether);
        vm.prank(alice);
        wopen.delegate(address(0));
        vm.assertEq(wopen.getVotes(alice), 0, "votes parked");
        _deposit(alice, 1 ether);
        vm.assertEq(wopen.delegates(alice), alice, "the receipt self-delegated again");
        vm.assertEq(wopen.getVotes(alice), 11 ether, "the whole balance votes again");
    }

    function test_withdraw_doesNotDelegateZeroAddress() public {
        _deposit(alice, 2 ether);
        vm.prank(alice);
        wopen.withdraw(2 ether);
        vm.assertEq(wopen.delegates(address(0)), address(0));
        vm.assertEq(wopen.getVotes(alice), 0);
        vm.assertEq(wopen.delegates(alice), alice, "the delegate stays for the next deposit");
    }
}
