#![cfg(not(target_arch = "wasm32"))]
//! Input→Output transcripts of the sans-IO core, one table per behaviour.
//!
//! Each transcript feeds inputs stamped with a time and compares the outputs, rendered as short
//! strings, with exactly the expected list: a missing, extra or reordered output fails. Every
//! test is named after the behaviour it would catch missing.

mod transcript;

use spellwire::core::outbox::Overflow;
use transcript::*;
// ---- the handshake ------------------------------------------------------------------------

#[test]
fn handshake_fetches_token_opens_says_hello_then_pings_and_resends_the_outbox() {
    let steps = vec![
        at(0.0, send("m1"), &["state closed #0 (not_started)"]),
        at(1.0, Input::Connect, &["token? 1", "state connecting #0"]),
        Step::NextWake(Some(5001.0)), // the connect timeout
        at(2.0, token(1), &["open 1"]),
        at(3.0, opened(1), &["hello T"]),
        at(4.0, welcome(1, "e1", 0, false), &["text M1", "ping 1", "state open #0"]),
        Step::NextWake(Some(1004.0)), // the next ping
        at(5.0, ack(1, "m1"), &["acked m1"]),
        at(6.0, ack(1, "m1"), &[]), // acks are idempotent: one resolution
        at(14.0, pong(1, 1), &["state open #0 rtt 10"]),
        at(20.0, send("m2"), &["text M2"]), // written at once while open
        at(1004.0, Input::Wake, &["ping 2"]),
    ];
    run("handshake", &mut core(), steps);
}

#[test]
fn hello_carries_the_cursor_when_one_exists() {
    let steps = vec![
        at(0.0, Input::Connect, &["token? 1", "state connecting #0"]),
        at(0.0, token(1), &["open 1"]),
        at(0.0, opened(1), &["hello T e1:5"]), // the saved cursor
        at(0.0, welcome(1, "e1", 5, true), &["ping 1", "state open #0"]),
        at(1.0, event(1, 6), &["deliver 6"]),
        at(2.0, closed(1, 1006), &["state reconnecting #1 retry 500 (closed:1006)"]),
        at(502.0, Input::Wake, &["token? 3", "state connecting #1 (closed:1006)"]),
        at(503.0, token(3), &["open 3"]),
        at(504.0, opened(3), &["hello T e1:6"]), // the cursor moved with the delivery
    ];
    run("cursor", &mut core_with(opts(), Some(("e1", 5))), steps);
}

// ---- backoff ------------------------------------------------------------------------------

#[test]
fn backoff_doubles_from_500_and_caps_at_20000_without_jitter() {
    let schedule = [500.0, 1000.0, 2000.0, 4000.0, 8000.0, 16000.0, 20000.0, 20000.0];
    let mut steps = vec![at(0.0, Input::Connect, &["token? 1", "state connecting #0"])];
    let (mut t, mut gen) = (0.0, 1);
    for (n, delay) in schedule.iter().enumerate().map(|(i, d)| (i + 1, *d)) {
        let gen_str = format!("open {gen}");
        steps.push(at(t, token(gen), &[&gen_str]));
        let waiting = format!("state reconnecting #{n} retry {delay} (closed:1006)");
        steps.push(at(t, closed(gen, 1006), &[&waiting]));
        steps.push(Step::NextWake(Some(t + delay)));
        steps.push(at(t + delay - 1.0, Input::Wake, &[])); // not yet
        gen += 2; // one for the closed socket, one for the new attempt
        t += delay;
        let (fetch, state) = (format!("token? {gen}"), format!("state connecting #{n} (closed:1006)"));
        steps.push(at(t, Input::Wake, &[&fetch, &state]));
    }
    run("backoff", &mut core(), steps);
}

/// Two failed attempts, then a connection that stays up `lifetime` ms before it drops.
fn drop_after(lifetime: f64, want: &str) {
    let steps = vec![
        at(0.0, Input::Connect, &["token? 1", "state connecting #0"]),
        at(0.0, token(1), &["open 1"]),
        at(0.0, closed(1, 1006), &["state reconnecting #1 retry 500 (closed:1006)"]),
        at(500.0, Input::Wake, &["token? 3", "state connecting #1 (closed:1006)"]),
        at(500.0, token(3), &["open 3"]),
        at(500.0, closed(3, 1006), &["state reconnecting #2 retry 1000 (closed:1006)"]),
        at(1500.0, Input::Wake, &["token? 5", "state connecting #2 (closed:1006)"]),
        at(1500.0, token(5), &["open 5"]),
        at(1500.0, opened(5), &["hello T"]),
        at(1500.0, welcome(5, "e1", 0, false), &["ping 1", "state open #2"]),
        at(1500.0 + lifetime, closed(5, 1006), &[want]),
    ];
    run(&format!("reset after, lifetime {lifetime}"), &mut core(), steps);
}

#[test]
fn a_connection_that_stayed_up_reset_after_ms_resets_the_attempt_count() {
    drop_after(4999.0, "state reconnecting #3 retry 2000 (closed:1006)");
    drop_after(5000.0, "state reconnecting #1 retry 500 (closed:1006)");
}

#[test]
fn max_attempts_ends_in_failed_until_retry() {
    let mut o = opts();
    o.backoff.max_attempts = 2.0;
    let steps = vec![
        at(0.0, Input::Connect, &["token? 1", "state connecting #0"]),
        at(0.0, token(1), &["open 1"]),
        at(0.0, closed(1, 1006), &["state reconnecting #1 retry 500 (closed:1006)"]),
        at(500.0, Input::Wake, &["token? 3", "state connecting #1 (closed:1006)"]),
        at(500.0, token(3), &["open 3"]),
        at(500.0, closed(3, 1006), &["state reconnecting #2 retry 1000 (closed:1006)"]),
        at(1500.0, Input::Wake, &["token? 5", "state connecting #2 (closed:1006)"]),
        at(1500.0, token(5), &["open 5"]),
        at(1500.0, closed(5, 1006), &["state failed #3 (max_attempts)"]),
        Step::NextWake(None),
        at(100_000.0, Input::Wake, &[]),
        at(100_000.0, Input::Visible, &[]),
        // retry() starts over with a fresh count
        at(100_001.0, Input::Connect, &["token? 7", "state connecting #0"]),
    ];
    run("max attempts", &mut core_with(o, None), steps);
}

// ---- unauthorized -------------------------------------------------------------------------

#[test]
fn close_4401_with_a_fixed_token_fails_at_once() {
    let steps = vec![
        at(0.0, Input::Connect, &["token? 1", "state connecting #0"]),
        at(0.0, token(1), &["open 1"]),
        at(0.0, opened(1), &["hello T"]),
        at(5.0, closed(1, 4401), &["error Unauthorized", "state failed #0 (unauthorized)"]),
        Step::NextWake(None),
        at(60_000.0, Input::Wake, &[]),
        at(60_000.0, Input::Online, &[]),
        at(60_000.0, Input::Visible, &[]),
    ];
    run("4401 fixed", &mut core(), steps);
}

#[test]
fn close_4401_with_a_refreshable_token_asks_for_one_more_token_then_fails() {
    let steps = vec![
        at(0.0, Input::Connect, &["token? 1", "state connecting #0"]),
        at(0.0, token(1), &["open 1"]),
        at(0.0, opened(1), &["hello T"]),
        at(5.0, closed(1, 4401), &["token? 3", "state connecting #0 (unauthorized)"]),
        at(6.0, token(3), &["open 3"]),
        at(7.0, opened(3), &["hello T"]),
        at(8.0, closed(3, 4401), &["error Unauthorized", "state failed #0 (unauthorized)"]),
        Step::NextWake(None),
        at(60_000.0, Input::Wake, &[]),
    ];
    run("4401 refreshable", &mut core().with_refreshable_token(true), steps);
}

// ---- generations and timeouts -------------------------------------------------------------

#[test]
fn close_before_any_connect_stops_the_client() {
    // Client.shared hands out a new client once the page's one is stopped: a close() before
    // the first connect must count, and sends after it fail as after any close().
    let steps = vec![
        Step::Check("not started is not stopped", |c| !c.is_stopped()),
        at(0.0, Input::Close, &["state closed #0 (not_started)"]),
        Step::Check("stopped", |c| c.is_stopped()),
        at(1.0, send("m1"), &["rejected m1 Closed"]),
        at(2.0, Input::Connect, &["token? 1", "state connecting #0"]),
        Step::Check("running again", |c| !c.is_stopped()),
    ];
    run("close before connect", &mut core(), steps);
}

#[test]
fn a_close_when_no_socket_is_open_is_ignored() {
    // No real socket can send this close (before any connect, or between a socket's close and
    // the next attempt): it is ignored, not counted as a failed attempt. tests/fuzz_core.rs
    // found the case.
    let steps = vec![
        at(0.0, closed(0, 1006), &["state closed #0 (not_started)"]), // the first state report
        Step::Check("still closed", |c| c.phase() == Phase::Closed),
        at(1.0, Input::Connect, &["token? 1", "state connecting #0"]),
        at(1.0, token(1), &["open 1"]),
        at(2.0, closed(1, 1006), &["state reconnecting #1 retry 500 (closed:1006)"]),
        at(3.0, closed(2, 1006), &[]), // generation 2 has no socket yet
        Step::NextWake(Some(502.0)),
    ];
    run("no socket", &mut core(), steps);
}

#[test]
fn inputs_from_a_replaced_socket_are_ignored() {
    let stale = |t| {
        let bad = Input::Malformed { gen: 1, message: "x".into() };
        let inputs = [token(1), opened(1), welcome(1, "e1", 0, false), event(1, 1), ack(1, "a"), bad];
        inputs.into_iter().map(move |i| at(t, i, &[])).collect::<Vec<_>>()
    };
    let mut steps = vec![
        at(0.0, Input::Connect, &["token? 1", "state connecting #0"]),
        at(0.0, token(1), &["open 1"]),
        at(1.0, opened(1), &["hello T"]),
        at(10.0, closed(1, 1006), &["state reconnecting #1 retry 500 (closed:1006)"]),
        at(510.0, Input::Wake, &["token? 3", "state connecting #1 (closed:1006)"]),
    ];
    steps.extend(stale(511.0));
    steps.extend([
        at(512.0, token(3), &["open 3"]),
        at(512.0, token(3), &[]), // a second answer to the same request
        at(513.0, opened(3), &["hello T"]),
        at(514.0, welcome(3, "e1", 0, false), &["ping 1", "state open #1"]),
        at(515.0, closed(1, 1006), &[]), // the old socket's close cannot kill the new one
    ]);
    steps.extend(stale(516.0));
    steps.push(Step::Check("still open", |c| c.phase() == Phase::Open));
    run("stale", &mut core(), steps);
}

#[test]
fn an_attempt_not_welcomed_within_connect_timeout_is_abandoned() {
    // (input that last arrived, when) — stuck waiting for the socket, then for the welcome
    let cases: [(&str, Vec<Step>); 2] =
        [("socket never opens", vec![]), ("welcome never comes", vec![at(20.0, opened(1), &["hello T"])])];
    for (name, middle) in cases {
        let mut steps = vec![
            at(0.0, Input::Connect, &["token? 1", "state connecting #0"]),
            Step::NextWake(Some(5000.0)),
            at(10.0, token(1), &["open 1"]),
        ];
        steps.extend(middle);
        steps.extend([
            at(4999.0, Input::Wake, &[]),
            at(
                5000.0,
                Input::Wake,
                &["close 1 4408 connect_timeout", "state reconnecting #1 retry 500 (connect_timeout)"],
            ),
            at(5001.0, opened(1), &[]), // too late
            Step::NextWake(Some(5500.0)),
        ]);
        run(name, &mut core(), steps);
    }
}

// ---- liveness -----------------------------------------------------------------------------

#[test]
fn heartbeat_judges_death_by_wall_clock_even_when_the_wake_is_late() {
    // Welcomed at t=0, heartbeat 1000, grace 500: dead after 1500 ms without any frame.
    let dead = ["close 1 4408 heartbeat_timeout", "state reconnecting #1 retry 500 (heartbeat_timeout)"];
    let cases: [(&str, Vec<Step>); 4] = [
        (
            "throttled wake probes a healthy idle socket before judging it",
            vec![
                at(10.0, pong(1, 1), &["state open #0 rtt 10"]),
                at(60_000.0, Input::Wake, &["ping 2"]),
                Step::NextWake(Some(60_501.0)),
                at(60_300.0, pong(1, 2), &["state open #0 rtt 68"]),
                Step::Check("open", |c| c.phase() == Phase::Open),
            ],
        ),
        (
            "throttled wake finds it dead at once (its ping went unanswered)",
            vec![Step::NextWake(Some(1000.0)), at(60_000.0, Input::Wake, &dead)],
        ),
        (
            "on-time wakes ping, then declare it dead",
            vec![
                at(1000.0, Input::Wake, &["ping 2"]),
                Step::NextWake(Some(1501.0)),
                at(1500.0, Input::Wake, &[]),
                at(1501.0, Input::Wake, &dead),
            ],
        ),
        (
            "a pong keeps it alive",
            vec![
                at(1000.0, Input::Wake, &["ping 2"]),
                at(1010.0, pong(1, 2), &["state open #0 rtt 10"]),
                Step::NextWake(Some(2000.0)),
                at(2000.0, Input::Wake, &["ping 3"]),
                Step::Check("open", |c| c.phase() == Phase::Open),
            ],
        ),
    ];
    for (name, steps) in cases {
        run(name, &mut connected(), steps);
    }
}

// ---- browser hints ------------------------------------------------------------------------

#[test]
fn offline_pauses_retries_and_online_resumes_at_once() {
    let reconnecting = vec![
        at(0.0, Input::Connect, &["token? 1", "state connecting #0"]),
        at(0.0, token(1), &["open 1"]),
        at(0.0, closed(1, 1006), &["state reconnecting #1 retry 500 (closed:1006)"]),
        at(100.0, Input::Offline, &["state offline #1 (offline)"]),
        Step::NextWake(None),
        at(10_000.0, Input::Wake, &[]),
        at(20_000.0, Input::Online, &["token? 3", "state connecting #1 (offline)"]),
    ];
    run("offline while reconnecting", &mut core(), reconnecting);

    let connecting = vec![
        at(0.0, Input::Connect, &["token? 1", "state connecting #0"]),
        at(0.0, token(1), &["open 1"]),
        at(5.0, Input::Offline, &["close 1 4408 offline", "state offline #0 (offline)"]),
        at(6.0, opened(1), &[]),
        Step::NextWake(None),
        at(7.0, Input::Online, &["token? 3", "state connecting #0 (offline)"]),
    ];
    run("offline while connecting", &mut core(), connecting);

    let open = vec![
        at(10.0, Input::Offline, &["ping 2"]), // the socket may survive: probe it
        at(20.0, closed(1, 1006), &["state offline #0 (closed:1006)"]),
        Step::NextWake(None),
        at(30.0, Input::Online, &["token? 3", "state connecting #0 (closed:1006)"]),
    ];
    run("offline while open", &mut connected(), open);
}

#[test]
fn visible_probes_an_open_socket_or_reconnects_at_once() {
    let alive = vec![at(500.0, Input::Visible, &["ping 2"])];
    run("visible, alive", &mut connected(), alive);

    let dead = vec![at(
        60_000.0,
        Input::Visible,
        &["close 1 4408 heartbeat_timeout", "state reconnecting #1 retry 500 (heartbeat_timeout)"],
    )];
    run("visible, silent for a minute", &mut connected(), dead);

    let waiting = vec![
        at(0.0, Input::Connect, &["token? 1", "state connecting #0"]),
        at(0.0, token(1), &["open 1"]),
        at(0.0, closed(1, 1006), &["state reconnecting #1 retry 500 (closed:1006)"]),
        at(100.0, Input::Visible, &["token? 3", "state connecting #1 (closed:1006)"]),
    ];
    run("visible, waiting to retry", &mut core(), waiting);
}

// ---- the outbox ---------------------------------------------------------------------------

#[test]
fn a_full_queue_rejects_the_new_message_or_drops_the_oldest() {
    let cases = [
        (Overflow::Reject, "rejected c QueueFull", ["text A", "text B"]),
        (Overflow::DropOldest, "rejected a QueueFull", ["text B", "text C"]),
    ];
    for (overflow, refused, resent) in cases {
        let mut o = opts();
        o.queue_limit = 2;
        o.overflow = overflow;
        let steps = vec![
            at(0.0, send("a"), &["state closed #0 (not_started)"]),
            at(0.0, send("b"), &[]),
            at(0.0, send("c"), &[refused]),
            Step::Check("two queued", |c| c.stats().1 == 2),
            at(1.0, Input::Connect, &["token? 1", "state connecting #0"]),
            at(1.0, token(1), &["open 1"]),
            at(1.0, opened(1), &["hello T"]),
            at(1.0, welcome(1, "e1", 0, false), &[resent[0], resent[1], "ping 1", "state open #0"]),
        ];
        run(&format!("{overflow:?}"), &mut core_with(o, None), steps);
    }
}

#[test]
fn close_rejects_unacked_sends_and_later_sends() {
    let steps = vec![
        at(1.0, send("a"), &["text A"]),
        at(1.0, send("b"), &["text B"]),
        at(2.0, ack(1, "a"), &["acked a"]),
        at(
            3.0,
            Input::Close,
            &["close 1 1000 client closed", "rejected b Closed", "state closed #0 (closed_by_client)"],
        ),
        at(4.0, ack(1, "b"), &[]), // too late: already settled
        Step::NextWake(None),
        at(5.0, send("c"), &["rejected c Closed"]),
        at(6.0, Input::Connect, &["token? 3", "state connecting #0"]),
        at(7.0, send("d"), &[]), // queued again
        Step::Check("d queued", |c| c.stats().1 == 1),
    ];
    run("close", &mut connected(), steps);
}

#[test]
fn sends_before_the_first_connect_queue_and_after_close_reject() {
    let steps = vec![
        at(0.0, send("a"), &["state closed #0 (not_started)"]),
        Step::Check("a queued", |c| c.stats().1 == 1),
        at(1.0, Input::Close, &["rejected a Closed", "state closed #0 (closed_by_client)"]),
        at(2.0, send("b"), &["rejected b Closed"]),
        Step::Check("nothing queued", |c| c.stats().1 == 0),
        at(3.0, Input::Close, &[]), // closing twice is a no-op
    ];
    run("before first connect", &mut core(), steps);
}

// ---- sequence -----------------------------------------------------------------------------

#[test]
fn duplicates_are_dropped() {
    let steps = vec![
        at(1.0, event(1, 1), &["deliver 1"]),
        at(2.0, event(1, 2), &["deliver 2"]),
        at(3.0, event(1, 1), &[]),
        at(4.0, event(1, 2), &[]),
        at(5.0, event(1, 3), &["deliver 3"]),
        Step::Check("two duplicates counted", |c| c.stats().0.duplicates == 2),
    ];
    run("duplicates", &mut connected(), steps);
}

#[test]
fn a_gap_sends_one_replay_request_and_the_replay_repairs_it() {
    let steps = vec![
        at(1.0, event(1, 1), &["deliver 1"]),
        at(10.0, event(1, 3), &["replay 1"]),
        at(11.0, event(1, 4), &[]), // same gap: no second request
        at(12.0, event(1, 2), &["deliver 2"]),
        at(13.0, event(1, 3), &["deliver 3"]),
        at(14.0, event(1, 4), &["deliver 4"]),
        at(15.0, event(1, 6), &["replay 4"]), // a new gap gets its own request
        Step::Check("two gaps counted", |c| c.stats().0.gaps == 2),
    ];
    run("gap", &mut connected(), steps);
}

#[test]
fn the_heartbeat_option_never_pings_slower_than_the_server_advises() {
    // The server closes sockets silent for 2 x its heartbeat + 10 s: a slower client would be cut.
    let mut o = opts();
    o.heartbeat_ms = Some(60_000.0);
    let mut c = core_with(o, None);
    for input in [Input::Connect, token(1), opened(1), welcome(1, "e1", 0, false)] {
        c.handle(0.0, input);
    }
    assert_eq!(c.next_wake(), Some(1000.0), "advised 1000 ms wins over the option's 60000");
}

#[test]
fn close_1009_rejects_the_oversized_message_instead_of_resending_it_forever() {
    let steps = vec![
        at(1.0, send("big"), &["text BIG"]),
        at(2.0, send("small"), &["text SMALL"]),
        at(3.0, closed(1, 1009), &[
            "rejected big MessageTooLarge",
            "state reconnecting #1 retry 500 (closed:1009)",
        ]),
        Step::Check("only the small one is still queued", |c| c.stats().1 == 1),
    ];
    run("1009", &mut connected(), steps);
}

#[test]
fn a_gap_not_repaired_within_5_s_replaces_the_socket() {
    let mut o = opts();
    o.heartbeat_ms = Some(60_000.0); // keep pings out of the way
    let stuck = vec![
        at(1.0, event(1, 1), &["deliver 1"]),
        at(10.0, event(1, 3), &["replay 1"]),
        Step::NextWake(Some(5010.0)),
        at(5009.0, Input::Wake, &[]),
        at(
            5010.0,
            Input::Wake,
            &["close 1 4408 gap_not_repaired", "state reconnecting #1 retry 500 (gap_not_repaired)"],
        ),
        at(5510.0, Input::Wake, &["token? 3", "state connecting #1 (gap_not_repaired)"]),
        at(5511.0, token(3), &["open 3"]),
        at(5512.0, opened(3), &["hello T e1:1"]),
    ];
    run("stuck gap", &mut connected_with(o.clone(), 0), stuck);

    let repaired = vec![
        at(10.0, event(1, 2), &["replay 0"]),
        at(20.0, event(1, 1), &["deliver 1"]),
        Step::NextWake(Some(60_000.0)), // the repair deadline is gone
    ];
    run("repaired gap", &mut connected_with(o, 0), repaired);
}

#[test]
fn reset_only_when_a_cursor_existed_and_the_welcome_did_not_resume() {
    /// (saved cursor seq, welcome epoch, after, resumed, expected outputs, next event delivered)
    type Case = (u64, &'static str, u64, bool, &'static [&'static str], u64);
    let cases: [Case; 4] = [
        (0, "e1", 0, false, &["ping 1", "state open #0"], 1),
        (5, "e1", 5, true, &["ping 1", "state open #0"], 6),
        (5, "e2", 0, false, &["reset", "ping 1", "state open #0"], 1), // server lost its log
        (5, "e1", 7, false, &["reset", "ping 1", "state open #0"], 8), // cursor fell out of retention
    ];
    for (saved, epoch, after, resumed, want, next) in cases {
        let hello = if saved > 0 { format!("hello T e1:{saved}") } else { "hello T".into() };
        let deliver = format!("deliver {next}");
        let steps = vec![
            at(0.0, Input::Connect, &["token? 1", "state connecting #0"]),
            at(0.0, token(1), &["open 1"]),
            at(0.0, opened(1), &[&hello]),
            at(0.0, welcome(1, epoch, after, resumed), want),
            at(1.0, event(1, next), &[&deliver]),
        ];
        let name = format!("cursor {saved}, welcome {epoch}/{after}/{resumed}");
        run(&name, &mut core_with(opts(), (saved > 0).then_some(("e1", saved))), steps);
    }
}

#[test]
fn a_reconnect_that_cannot_resume_emits_reset() {
    let steps = vec![
        at(1.0, event(1, 1), &["deliver 1"]),
        at(2.0, closed(1, 1006), &["state reconnecting #1 retry 500 (closed:1006)"]),
        at(502.0, Input::Wake, &["token? 3", "state connecting #1 (closed:1006)"]),
        at(503.0, token(3), &["open 3"]),
        at(504.0, opened(3), &["hello T e1:1"]),
        at(505.0, welcome(3, "e2", 0, false), &["reset", "ping 2", "state open #1"]),
        at(506.0, event(3, 1), &["deliver 1"]), // the new log starts over
        Step::Check("one reset counted", |c| c.stats().0.resets == 1),
    ];
    run("reset on reconnect", &mut connected(), steps);
}

/// The driver's hot path: `accept_next_event`, then `handle_into` for what it refuses. Event by
/// event it must do exactly what `handle_into` alone does (same outputs, with its own
/// acceptances as the deliveries, same stats, cursor and next wake), through duplicates, a gap
/// and its replay, a reconnect, and events of a replaced socket.
#[test]
fn the_fast_path_for_the_next_event_acts_as_handle_into() {
    let (mut plain, mut fast) = (connected(), connected());
    let mut took = 0;
    let mut step = |t: f64, input: Input<u64>| {
        let want: Vec<String> = plain.handle(t, input.clone()).iter().map(render).collect();
        let got: Vec<String> = match input {
            Input::Event { gen, seq, .. } if fast.accept_next_event(t, gen, seq) => {
                took += 1;
                vec![format!("deliver {seq}")]
            }
            input => fast.handle(t, input).iter().map(render).collect(),
        };
        assert_eq!(got, want, "at {t}");
        assert_eq!((fast.stats(), fast.last_seq(), fast.next_wake()), (plain.stats(), plain.last_seq(), plain.next_wake()));
    };
    for (i, seq) in [1, 2, 2, 1, 5, 3, 4, 5, 6, 4, 7].into_iter().enumerate() {
        step(10.0 + i as f64, event(1, seq));
    }
    step(30.0, closed(1, 1006));
    step(31.0, event(1, 8)); // the closed socket's
    for input in [Input::Wake, token(3), opened(3), welcome(3, "e1", 7, true)] {
        step(600.0, input);
    }
    step(601.0, event(1, 8)); // still the old socket's
    for seq in [8, 9, 9, 10] {
        step(602.0, event(3, seq));
    }
    assert!(took >= 8, "the fast path took only {took} of the next events");
}

/// The driver gives the fast path the time of its last clock read (a wake, any other input),
/// not the event's own. A stream of events between wakes must keep the socket alive, and once
/// the stream stops, death must still wait for an unanswered ping's whole grace: no earlier
/// than `grace` after the last event, and no later than with every event's exact time.
#[test]
fn the_fast_path_with_the_last_clock_read_keeps_a_stream_alive_and_still_sees_silence() {
    // Heartbeat 1000, grace 500; the server sends an event every 50 ms until t = 5000, answers
    // no ping, then falls silent. Returns the time the client closes the socket.
    let death = |stale: bool| -> f64 {
        let mut c = connected();
        let mut clock = 0.0; // the driver's last clock read
        let mut seq = 0;
        let mut closed_at = None;
        let wake_until = |c: &mut Core<u64>, clock: &mut f64, t: f64, closed_at: &mut Option<f64>| {
            while let Some(at) = c.next_wake().filter(|at| *at <= t) {
                *clock = at;
                if c.handle(at, Input::Wake).iter().any(|o| render(o).starts_with("close")) {
                    closed_at.get_or_insert(at);
                    return;
                }
            }
        };
        for step in 1..=100 {
            let t = step as f64 * 50.0;
            wake_until(&mut c, &mut clock, t, &mut closed_at);
            assert_eq!(closed_at, None, "called dead at {t} while events flow (stale: {stale})");
            seq += 1;
            assert!(c.accept_next_event(if stale { clock } else { t }, 1, seq), "event {seq}");
        }
        wake_until(&mut c, &mut clock, 60_000.0, &mut closed_at);
        closed_at.expect("never called dead after a minute of silence")
    };
    let (exact, stale) = (death(false), death(true));
    assert!(stale >= 5000.0 + 500.0, "dead at {stale}, before an unanswered ping's grace after the last event");
    assert!(stale <= exact, "dead at {stale} with the last clock read, at {exact} with exact times");
}

// ---- channels -----------------------------------------------------------------------------

fn channel_cursor(name: &str, epoch: &str, seq: u64) -> (String, Cursor) {
    (name.into(), Cursor { epoch: epoch.into(), seq })
}

#[test]
fn channels_joined_before_the_welcome_are_subscribed_after_it_with_their_cursors() {
    let mut c = core().with_channel_cursors(vec![channel_cursor("crew:a", "c7", 3)]);
    let steps = vec![
        at(0.0, join("crew:a"), &["state closed #0 (not_started)"]),
        at(0.0, join("crew:b"), &[]),
        at(0.0, join("crew:a"), &[]), // a second listener shares the subscription
        at(1.0, Input::Connect, &["token? 1", "state connecting #0"]),
        at(1.0, token(1), &["open 1"]),
        at(1.0, opened(1), &["hello T"]),
        at(2.0, welcome(1, "e1", 0, false), &["sub crew:a c7:3", "sub crew:b", "ping 1", "state open #0"]),
        at(3.0, subscribed(1, "crew:a", "c7", 3, true), &[]),
        at(4.0, chan_event(1, "crew:a", 4), &["deliver crew:a 4"]),
        at(5.0, join("crew:c"), &["sub crew:c"]), // joined while open: at once
        Step::Check("crew:a's cursor moved", |c| {
            c.channel_cursors().any(|(n, cursor)| (n.to_owned(), cursor) == channel_cursor("crew:a", "c7", 4))
        }),
    ];
    run("sub after welcome", &mut c, steps);
}

#[test]
fn a_reconnect_subscribes_every_channel_again_from_its_cursor() {
    let steps = vec![
        at(1.0, join("crew:a"), &["sub crew:a"]),
        at(1.0, join("run:42"), &["sub run:42"]),
        at(2.0, subscribed(1, "crew:a", "ca", 0, false), &[]),
        at(2.0, subscribed(1, "run:42", "cr", 5, false), &[]), // no cursor before: no reset
        at(3.0, chan_event(1, "crew:a", 1), &["deliver crew:a 1"]),
        at(3.0, chan_event(1, "run:42", 6), &["deliver run:42 6"]),
        at(4.0, closed(1, 1006), &["state reconnecting #1 retry 500 (closed:1006)"]),
        at(504.0, Input::Wake, &["token? 3", "state connecting #1 (closed:1006)"]),
        at(504.0, token(3), &["open 3"]),
        at(505.0, opened(3), &["hello T e1:0"]),
        at(506.0, welcome(3, "e1", 0, true), &["sub crew:a ca:1", "sub run:42 cr:6", "ping 2", "state open #1"]),
        at(507.0, chan_event(3, "crew:a", 2), &[]), // before its `subscribed`: the replay resends it
        at(508.0, subscribed(3, "crew:a", "ca", 1, true), &[]),
        at(509.0, chan_event(3, "crew:a", 2), &["deliver crew:a 2"]),
    ];
    run("resubscribe", &mut connected(), steps);
}

#[test]
fn a_channel_gap_asks_that_channel_for_a_replay_once_and_replaces_the_socket_after_5_s() {
    let mut o = opts();
    o.heartbeat_ms = Some(60_000.0); // keep pings out of the way
    let steps = vec![
        at(1.0, join("crew:a"), &["sub crew:a"]),
        at(1.0, subscribed(1, "crew:a", "ca", 0, false), &[]),
        at(2.0, chan_event(1, "crew:a", 1), &["deliver crew:a 1"]),
        at(10.0, chan_event(1, "crew:a", 3), &["replay crew:a 1"]),
        at(11.0, chan_event(1, "crew:a", 4), &[]), // same gap: no second request
        at(12.0, event(1, 1), &["deliver 1"]),     // the personal stream carries on
        at(13.0, chan_event(1, "crew:a", 2), &["deliver crew:a 2"]),
        at(14.0, chan_event(1, "crew:a", 3), &["deliver crew:a 3"]),
        Step::NextWake(Some(60_000.0)), // repaired: no deadline left
        at(20.0, chan_event(1, "crew:a", 6), &["replay crew:a 3"]),
        Step::Check("two gaps counted", |c| c.stats().0.gaps == 2),
        Step::NextWake(Some(5020.0)),
        at(5019.0, Input::Wake, &[]),
        at(5020.0, Input::Wake, &["close 1 4408 gap_not_repaired", "state reconnecting #1 retry 500 (gap_not_repaired)"]),
    ];
    run("channel gap", &mut connected_with(o, 0), steps);
}

#[test]
fn a_final_refusal_is_not_asked_again_but_unavailable_is_after_a_backoff_and_on_reconnect() {
    let mut o = opts();
    o.heartbeat_ms = Some(60_000.0);
    let steps = vec![
        at(1.0, join("crew:x"), &["sub crew:x"]),
        at(1.0, join("crew:y"), &["sub crew:y"]),
        at(2.0, refused(1, "crew:x", "forbidden"), &["refused crew:x forbidden"]),
        at(2.0, refused(1, "crew:y", "unavailable"), &["refused crew:y unavailable"]),
        Step::NextWake(Some(1002.0)), // 1 s (no jitter in these options)
        at(1001.0, Input::Wake, &[]),
        at(1002.0, Input::Wake, &["sub crew:y"]),
        at(1003.0, refused(1, "crew:y", "unavailable"), &["refused crew:y unavailable"]),
        Step::NextWake(Some(3003.0)), // doubled
        at(2000.0, closed(1, 1006), &["state reconnecting #1 retry 500 (closed:1006)"]),
        at(2500.0, Input::Wake, &["token? 3", "state connecting #1 (closed:1006)"]),
        at(2500.0, token(3), &["open 3"]),
        at(2500.0, opened(3), &["hello T e1:0"]),
        // y at once on the new connection; x, refused for good, not at all
        at(2501.0, welcome_advising(3, "e1", 0, true, 60_000), &["sub crew:y", "ping 2", "state open #1"]),
        at(2502.0, refused(3, "crew:x", "forbidden"), &[]), // not asked: ignored
        at(2503.0, subscribed(3, "crew:y", "cy", 0, false), &[]),
        Step::NextWake(Some(62_501.0)), // no retry left
        at(2504.0, join("crew:x"), &["sub crew:x"]), // the app asks again
        Step::Check("three refusals counted", |c| c.stats().0.refused == 3),
    ];
    run("refused", &mut connected_with(o, 0), steps);
}

#[test]
fn reset_is_emitted_for_the_one_channel_whose_cursor_was_not_honoured() {
    let cursors = vec![channel_cursor("crew:a", "ca", 5), channel_cursor("crew:b", "cb", 5)];
    let mut c = core().with_channel_cursors(cursors);
    let steps = vec![
        at(0.0, join("crew:a"), &["state closed #0 (not_started)"]),
        at(0.0, join("crew:b"), &[]),
        at(0.0, join("crew:c"), &[]),
        at(0.0, Input::Connect, &["token? 1", "state connecting #0"]),
        at(0.0, token(1), &["open 1"]),
        at(0.0, opened(1), &["hello T"]),
        at(0.0, welcome(1, "e1", 0, false), &["sub crew:a ca:5", "sub crew:b cb:5", "sub crew:c", "ping 1", "state open #0"]),
        at(1.0, subscribed(1, "crew:a", "ca", 5, true), &[]),
        at(1.0, subscribed(1, "crew:b", "cb2", 0, false), &["reset crew:b"]),
        at(1.0, subscribed(1, "crew:c", "cc", 0, false), &[]), // no cursor: no reset
        at(2.0, chan_event(1, "crew:b", 1), &["deliver crew:b 1"]),
        at(2.0, chan_event(1, "crew:a", 6), &["deliver crew:a 6"]),
        Step::Check("one reset counted", |c| c.stats().0.resets == 1),
    ];
    run("channel reset", &mut c, steps);
}

#[test]
fn the_last_listener_leaving_sends_unsub_and_keeps_the_cursor_for_a_later_join() {
    let steps = vec![
        at(1.0, join("crew:a"), &["sub crew:a"]),
        at(1.0, join("crew:a"), &[]),
        at(2.0, subscribed(1, "crew:a", "ca", 0, false), &[]),
        at(3.0, chan_event(1, "crew:a", 1), &["deliver crew:a 1"]),
        at(4.0, leave("crew:a"), &[]), // one listener is left
        at(5.0, chan_event(1, "crew:a", 2), &["deliver crew:a 2"]),
        at(6.0, leave("crew:a"), &["unsub crew:a"]),
        at(7.0, leave("crew:a"), &[]), // an extra leave changes nothing
        at(8.0, chan_event(1, "crew:a", 3), &[]), // in flight after the unsub: dropped
        Step::Check("one stray event", |c| c.stats().0.stray == 1),
        at(9.0, join("crew:a"), &["sub crew:a ca:2"]),
        at(10.0, closed(1, 1006), &["state reconnecting #1 retry 500 (closed:1006)"]),
        at(11.0, leave("crew:a"), &[]), // no socket: nothing to tell the server
        at(510.0, Input::Wake, &["token? 3", "state connecting #1 (closed:1006)"]),
        at(510.0, token(3), &["open 3"]),
        at(510.0, opened(3), &["hello T e1:0"]),
        at(511.0, welcome(3, "e1", 0, true), &["ping 2", "state open #1"]), // no sub
    ];
    run("unsub", &mut connected(), steps);
}

#[test]
fn events_of_channels_not_joined_are_dropped_and_bad_names_refused_at_once() {
    let steps = vec![
        at(1.0, chan_event(1, "zz:1", 1), &[]),
        at(2.0, event(1, 1), &["deliver 1"]),
        at(3.0, join("crew:a"), &["sub crew:a"]),
        at(4.0, chan_event(1, "crew:a", 1), &[]), // not subscribed yet
        at(5.0, join("alpha"), &["error BadArgument"]),
        Step::Check("two strays, one delivery", |c| c.stats().0.stray == 2 && c.stats().0.delivered == 1),
        Step::Check("no cursor for a bad name", |c| c.channel_cursors().count() == 0),
    ];
    run("strays", &mut connected(), steps);
}

// ---- transports -----------------------------------------------------------------------------

/// [`opts`] with the default transports.
fn both_transports() -> Options {
    let mut o = opts();
    o.transports = Options::new("ws://h/ws").transports;
    assert_eq!(o.transports, [Transport::WebSocket, Transport::Http]);
    o
}

/// Two WebSocket attempts that close before opening, then the HTTP attempt they lead to, up to
/// its hello (what the fallback transcripts share).
fn two_early_closes_then_http() -> Vec<Step> {
    vec![
        at(0.0, Input::Connect, &["token? 1", "state connecting #0"]),
        at(0.0, token(1), &["open 1"]),
        at(1.0, closed(1, 1006), &["state reconnecting #1 retry 500 (closed:1006)"]),
        at(501.0, Input::Wake, &["token? 3", "state connecting #1 (closed:1006)"]),
        at(501.0, token(3), &["open 3"]),
        // The second in a row: the next attempt, and the state, say HTTP.
        at(502.0, closed(3, 1006), &["state reconnecting #2 retry 1000 (closed:1006) [http]"]),
        at(1502.0, Input::Wake, &["token? 5", "state connecting #2 (closed:1006) [http]"]),
        at(1502.0, token(5), &["open 5 http http://h/http"]),
        at(1502.0, opened(5), &["hello T"]),
    ]
}

#[test]
fn two_websockets_closed_before_opening_move_the_client_to_http_for_good() {
    let mut steps = two_early_closes_then_http();
    steps.extend([
        at(1503.0, welcome(5, "e1", 0, false), &["ping 1", "state open #2 [http]"]),
        Step::Check("stats say http", |c| c.stats().0.transport == Transport::Http),
        // A dropped HTTP stream comes back over HTTP, however its attempts end.
        at(1600.0, closed(5, 1006), &["state reconnecting #3 retry 2000 (closed:1006) [http]"]),
        at(3600.0, Input::Wake, &["token? 7", "state connecting #3 (closed:1006) [http]"]),
        at(3600.0, token(7), &["open 7 http http://h/http"]),
        at(3601.0, closed(7, 1006), &["state reconnecting #4 retry 4000 (closed:1006) [http]"]),
        at(7601.0, Input::Wake, &["token? 9", "state connecting #4 (closed:1006) [http]"]),
        at(7601.0, token(9), &["open 9 http http://h/http"]),
    ]);
    run("fallback", &mut core_with(both_transports(), None), steps);
}

#[test]
fn two_websocket_attempts_timing_out_before_opening_move_the_client_to_http() {
    let steps = vec![
        at(0.0, Input::Connect, &["token? 1", "state connecting #0"]),
        at(0.0, token(1), &["open 1"]),
        at(5000.0, Input::Wake, &["close 1 4408 connect_timeout", "state reconnecting #1 retry 500 (connect_timeout)"]),
        at(5500.0, Input::Wake, &["token? 3", "state connecting #1 (connect_timeout)"]),
        at(5500.0, token(3), &["open 3"]),
        at(10500.0, Input::Wake, &["close 3 4408 connect_timeout", "state reconnecting #2 retry 1000 (connect_timeout) [http]"]),
        at(11500.0, Input::Wake, &["token? 5", "state connecting #2 (connect_timeout) [http]"]),
        at(11500.0, token(5), &["open 5 http http://h/http"]),
    ];
    run("timeouts", &mut core_with(both_transports(), None), steps);
}

#[test]
fn a_websocket_that_opened_resets_the_count_and_never_falls_back() {
    let steps = vec![
        at(0.0, Input::Connect, &["token? 1", "state connecting #0"]),
        at(0.0, token(1), &["open 1"]),
        at(1.0, closed(1, 1006), &["state reconnecting #1 retry 500 (closed:1006)"]),
        at(501.0, Input::Wake, &["token? 3", "state connecting #1 (closed:1006)"]),
        at(501.0, token(3), &["open 3"]),
        at(502.0, opened(3), &["hello T"]), // it opened: whatever ends it, WebSocket works here
        at(503.0, closed(3, 1006), &["state reconnecting #2 retry 1000 (closed:1006)"]),
        at(1503.0, Input::Wake, &["token? 5", "state connecting #2 (closed:1006)"]),
        at(1503.0, token(5), &["open 5"]),
        at(1504.0, closed(5, 1006), &["state reconnecting #3 retry 2000 (closed:1006)"]), // one in a row
        at(3504.0, Input::Wake, &["token? 7", "state connecting #3 (closed:1006)"]),
        at(3504.0, token(7), &["open 7"]),
        at(3505.0, opened(7), &["hello T"]),
        at(3506.0, welcome(7, "e1", 0, false), &["ping 1", "state open #3"]),
        at(3600.0, closed(7, 1006), &["state reconnecting #4 retry 4000 (closed:1006)"]),
        at(7600.0, Input::Wake, &["token? 9", "state connecting #4 (closed:1006)"]),
        at(7600.0, token(9), &["open 9"]), // an open socket that drops is no reason to move
    ];
    run("opened", &mut core_with(both_transports(), None), steps);
}

#[test]
fn without_http_listed_the_client_stays_on_websocket() {
    let mut c = core(); // transports: ['websocket'] (see opts())
    c.handle(0.0, Input::Connect);
    let mut t = 0.0;
    for gen in (1..=11).step_by(2) {
        let out: Vec<String> = c.handle(t, token(gen)).iter().map(render).collect();
        assert_eq!(out, [format!("open {gen}")]);
        c.handle(t, closed(gen, 1006));
        t += 30_000.0;
        c.handle(t, Input::Wake);
    }
    assert_eq!(c.stats().0.transport, Transport::WebSocket);
}

#[test]
fn http_alone_starts_on_http_and_retry_starts_again_from_the_first_transport() {
    let mut only_http = opts();
    only_http.transports = vec![Transport::Http];
    let steps = vec![
        at(0.0, Input::Connect, &["token? 1", "state connecting #0 [http]"]),
        at(0.0, token(1), &["open 1 http http://h/http"]),
    ];
    run("http alone", &mut core_with(only_http, None), steps);

    let mut o = both_transports();
    o.backoff.max_attempts = 1.0;
    let steps = vec![
        at(0.0, Input::Connect, &["token? 1", "state connecting #0"]),
        at(0.0, token(1), &["open 1"]),
        at(1.0, closed(1, 1006), &["state reconnecting #1 retry 500 (closed:1006)"]),
        at(501.0, Input::Wake, &["token? 3", "state connecting #1 (closed:1006)"]),
        at(501.0, token(3), &["open 3"]),
        at(502.0, closed(3, 1006), &["state failed #2 (max_attempts) [http]"]),
        at(600.0, Input::Connect, &["token? 5", "state connecting #0"]), // retry(): WebSocket again
        at(600.0, token(5), &["open 5"]),
    ];
    run("retry", &mut core_with(o, None), steps);
}

#[test]
fn an_http_attempt_that_ends_before_its_welcome_sends_the_client_back_to_websocket() {
    // A server that is down fails WebSocket and HTTP alike: its clients must not stay on HTTP.
    let mut steps = two_early_closes_then_http();
    steps.extend([
        at(1503.0, closed(5, 1006), &["state reconnecting #3 retry 2000 (closed:1006)"]), // no welcome
        at(3503.0, Input::Wake, &["token? 7", "state connecting #3 (closed:1006)"]),
        at(3503.0, token(7), &["open 7"]), // WebSocket again, counting from 0
        at(3504.0, closed(7, 1006), &["state reconnecting #4 retry 4000 (closed:1006)"]),
    ]);
    run("back", &mut core_with(both_transports(), None), steps);
}
