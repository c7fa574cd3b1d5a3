#![cfg(not(target_arch = "wasm32"))]
//! Transcripts of what the core does in front of a gateway: token renewal on an open socket
//! (`welcome.expiresInMs`, `refresh`, `refreshed`, close 4419) and the send proxy's answers
//! (`ack` with a result, `nack`, `retry`). Same harness as `core_transcripts.rs`.

mod transcript;

use transcript::*;

/// A welcome on socket `gen` whose token expires in `expires_in_ms`; heartbeat 60 s, so pings
/// stay out of these transcripts.
fn welcome_expiring(gen: u64, expires_in_ms: Option<u64>) -> Input<u64> {
    let w = Welcome { epoch: "e1".into(), after: 0, resumed: false, heartbeat_ms: 60_000, head: 0, expires_in_ms };
    frame(gen, ServerFrame::Welcome(w))
}

/// A core on socket 1, welcomed at t=0 with a token expiring in `expires_in_ms`.
fn open_core(refreshable: bool, expires_in_ms: Option<u64>) -> Core<u64> {
    let mut core = core_with(opts(), None).with_refreshable_token(refreshable);
    for input in [Input::Connect, token(1), opened(1), welcome_expiring(1, expires_in_ms)] {
        core.handle(0.0, input);
    }
    assert_eq!(core.phase(), Phase::Open);
    core
}

fn resumed_welcome(gen: u64) -> Input<u64> {
    let w = Welcome { epoch: "e1".into(), after: 0, resumed: true, heartbeat_ms: 60_000, head: 0, expires_in_ms: None };
    frame(gen, ServerFrame::Welcome(w))
}

fn refreshed(gen: u64, expires_in_ms: u64) -> Input<u64> {
    frame(gen, ServerFrame::Refreshed { expires_in_ms: Some(expires_in_ms) })
}

fn retry(gen: u64, id: &str) -> Input<u64> {
    let (code, message) = ("backend_unavailable".into(), "down".into());
    frame(gen, ServerFrame::Retry { id: id.into(), code, message })
}

// ---- token renewal ------------------------------------------------------------------------

#[test]
fn a_token_function_is_asked_at_80_percent_of_the_token_life_and_the_token_sent_in_band() {
    let steps = vec![
        Step::NextWake(Some(4000.0)), // 80% of 5 s
        at(3999.0, Input::Wake, &[]),
        at(4000.0, Input::Wake, &["token? 1"]), // same socket: no reconnect
        at(4000.0, Input::Wake, &[]),           // asked once
        at(4005.0, Input::Token { gen: 1, token: Ok("T2".into()) }, &["refresh T2"]),
        Step::NextWake(Some(60_000.0)), // nothing planned until the server answers
        at(4010.0, refreshed(1, 5000), &[]),
        Step::NextWake(Some(8010.0)),
        Step::Check("a refresh is counted", |c| c.stats().0.refreshes == 1),
        Step::Check("still open", |c| c.phase() == Phase::Open),
    ];
    run("renewal", &mut open_core(true, Some(5000)), steps);
}

#[test]
fn a_token_is_renewed_30_seconds_ahead_or_at_80_percent_of_a_short_life() {
    for (expires_in, renew_at) in [(3_600_000.0, 3_570_000.0), (150_000.0, 120_000.0), (5_000.0, 4_000.0), (0.0, 0.0)] {
        assert_eq!(spellwire::core::renew_after(expires_in), renew_at, "expires in {expires_in} ms");
    }
}

#[test]
fn a_failing_token_function_during_renewal_reports_it_and_keeps_the_socket() {
    let steps = vec![
        at(4000.0, Input::Wake, &["token? 1"]),
        at(4001.0, Input::Token { gen: 1, token: Err("no session".into()) }, &["error Token"]),
        Step::Check("still open", |c| c.phase() == Phase::Open),
    ];
    run("renewal fails", &mut open_core(true, Some(5000)), steps);
}

#[test]
fn a_fixed_token_is_never_renewed_and_close_4419_fails_the_client() {
    let steps = vec![
        Step::NextWake(Some(60_000.0)), // no renewal planned
        at(5000.0, closed(1, 4419), &["error Unauthorized", "state failed #0 (unauthorized)"]),
        Step::NextWake(None), // no reconnect loop
    ];
    run("fixed token expired", &mut open_core(false, Some(5000)), steps);
}

#[test]
fn close_4419_with_a_token_function_reconnects_at_once_with_a_new_token() {
    let steps = vec![
        at(5000.0, closed(1, 4419), &["token? 3", "state connecting #0 (token_expired)"]),
        at(5001.0, token(3), &["open 3"]),
        at(5002.0, opened(3), &["hello T e1:0"]),
    ];
    run("expired, renewable", &mut open_core(true, Some(5000)), steps);
}

// ---- the send proxy's answers -------------------------------------------------------------

#[test]
fn an_ack_with_a_result_hands_the_result_to_the_send() {
    let steps = vec![
        at(1.0, send("m1"), &["text M1"]),
        at(2.0, frame(1, ServerFrame::Ack { id: "m1".into(), result: Some(7) }), &["acked m1 result 7"]),
    ];
    run("ack result", &mut open_core(true, None), steps);
}

#[test]
fn a_nack_rejects_the_send_with_rejected_and_never_resends_it() {
    let nack = ServerFrame::Nack { id: "m1".into(), code: "rejected".into(), message: "no".into() };
    let steps = vec![
        at(1.0, send("m1"), &["text M1"]),
        at(2.0, frame(1, nack), &["rejected m1 Rejected"]),
        Step::Check("the outbox is empty", |c| c.stats().1 == 0),
    ];
    run("nack", &mut open_core(true, None), steps);
}

#[test]
fn a_retry_keeps_the_message_and_resends_it_after_a_growing_backoff_until_acked() {
    let steps = vec![
        at(1.0, send("m1"), &["text M1"]),
        at(2.0, send("m2"), &["text M2"]),
        at(10.0, retry(1, "m1"), &[]),
        Step::NextWake(Some(510.0)), // backoff attempt 1: 500 ms without jitter
        at(509.0, Input::Wake, &[]),
        at(510.0, Input::Wake, &["text M1"]), // m2 was not deferred: not resent
        at(520.0, retry(1, "m1"), &[]),
        Step::NextWake(Some(1520.0)), // attempt 2: 1000 ms
        at(1520.0, Input::Wake, &["text M1"]),
        at(1530.0, frame(1, ServerFrame::Ack { id: "m1".into(), result: Some(1) }), &["acked m1 result 1"]),
        at(1540.0, retry(1, "m1"), &[]), // a late retry for an acked message changes nothing
        Step::NextWake(Some(60_000.0)),
        Step::Check("two retries counted", |c| c.stats().0.retried == 2),
        Step::Check("m2 still waits for its ack", |c| c.stats().1 == 1),
    ];
    run("retry", &mut open_core(true, None), steps);
}

#[test]
fn a_deferred_message_goes_out_at_once_on_a_new_connection() {
    let steps = vec![
        at(1.0, send("m1"), &["text M1"]),
        at(2.0, retry(1, "m1"), &[]),
        at(3.0, closed(1, 1006), &["state reconnecting #1 retry 500 (closed:1006)"]),
        at(503.0, Input::Wake, &["token? 3", "state connecting #1 (closed:1006)"]),
        at(503.0, token(3), &["open 3"]),
        at(503.0, opened(3), &["hello T e1:0"]),
        at(504.0, resumed_welcome(3), &["text M1", "ping 2", "state open #1"]),
        Step::NextWake(Some(60_504.0)), // the old resend time is gone
    ];
    run("retry then reconnect", &mut open_core(true, None), steps);
}

// ---- close 4429: rate limited -------------------------------------------------------------

/// Options whose backoff is short (as a page that wants quick reconnects would set it).
fn quick_backoff() -> Options {
    let mut o = opts();
    o.backoff.initial_ms = 50.0;
    o.backoff.max_ms = 200.0;
    o
}

#[test]
fn close_4429_waits_at_least_10_seconds_and_says_rate_limited() {
    let steps = vec![
        at(1000.0, closed(1, 4429), &["state reconnecting #1 retry 10000 (rate_limited)"]),
        Step::NextWake(Some(11_000.0)), // not the 50 ms a 1006 would wait
        at(10_999.0, Input::Wake, &[]),
        at(11_000.0, Input::Wake, &["token? 3", "state connecting #1 (rate_limited)"]),
    ];
    run("4429", &mut connected_with(quick_backoff(), 0), steps);
}

#[test]
fn close_4429_waits_at_least_max_ms_when_that_is_longer() {
    let steps = vec![at(1000.0, closed(1, 4429), &["state reconnecting #1 retry 20000 (rate_limited)"])];
    run("4429 maxMs", &mut connected(), steps); // default maxMs: 20 s
}

#[test]
fn a_visible_tab_or_the_network_coming_back_does_not_cut_the_4429_wait_short() {
    let steps = vec![
        at(1000.0, closed(1, 4429), &["state reconnecting #1 retry 10000 (rate_limited)"]),
        at(2000.0, Input::Visible, &[]), // after a 1006 this reconnects at once
        at(3000.0, Input::Offline, &["state offline #1 (offline)"]),
        at(4000.0, Input::Online, &["state reconnecting #1 retry 7000 (rate_limited)"]),
        Step::NextWake(Some(11_000.0)),
        at(11_000.0, Input::Wake, &["token? 3", "state connecting #1 (rate_limited)"]),
    ];
    run("4429 hints", &mut connected_with(quick_backoff(), 0), steps);
}

#[test]
fn retry_after_4429_connects_at_once() {
    let steps = vec![
        at(1000.0, closed(1, 4429), &["state reconnecting #1 retry 10000 (rate_limited)"]),
        at(1500.0, Input::Connect, &["token? 3", "state connecting #0"]),
    ];
    run("4429 retry", &mut connected_with(quick_backoff(), 0), steps);
}

#[test]
fn jittered_4429_waits_spread_between_the_floor_and_half_as_long_again() {
    let mut o = quick_backoff();
    o.backoff.jitter = Jitter::Full;
    let delays: Vec<f64> = (0..200)
        .map(|seed| {
            let mut core = Core::new(o.clone(), None, seed);
            for input in [Input::Connect, token(1), opened(1), welcome(1, "e1", 0, false)] {
                core.handle(0.0, input);
            }
            core.handle(1000.0, closed(1, 4429));
            core.next_wake().unwrap() - 1000.0
        })
        .collect();
    assert!(delays.iter().all(|d| (10_000.0..=15_000.0).contains(d)), "{delays:?}");
    let spread = delays.iter().cloned().fold(f64::MIN, f64::max) - delays.iter().cloned().fold(f64::MAX, f64::min);
    assert!(spread > 4000.0, "jitter spreads clients limited together: spread {spread} ms");
}
