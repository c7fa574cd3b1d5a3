//! Window and document listeners: `online`, `offline`, `visibilitychange`, `pagehide`.
//!
//! Detached on drop, like the socket's handlers. In a worker there is no window: the client
//! then simply runs without these hints.

use crate::core::Input;
use std::rc::Rc;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};
use web_sys::EventTarget;

/// Feeds a browser hint to the core.
pub(crate) type Hint = Rc<dyn Fn(Input<JsValue>)>;

/// Told when the page may go away (`pagehide`, or the tab hidden): state kept lazily, the
/// cursor, must be written now.
pub(crate) type Hidden = Rc<dyn Fn()>;

/// One attached listener: where, which event, and the closure JS calls.
type Attached = (EventTarget, &'static str, Closure<dyn FnMut()>);

/// The attached listeners; dropping this detaches them.
pub(crate) struct WindowListeners {
    attached: Vec<Attached>,
}

impl WindowListeners {
    /// Attaches the four listeners (nothing outside a window).
    pub(crate) fn attach(hint: Hint, hidden: Hidden) -> WindowListeners {
        let mut attached = Vec::new();
        let Some(window) = super::window() else { return WindowListeners { attached } };
        let document = window.document();
        let mut add = |target: EventTarget, name: &'static str, f: Box<dyn FnMut()>| {
            let closure = Closure::<dyn FnMut()>::wrap(f);
            let _ = target.add_event_listener_with_callback(name, closure.as_ref().unchecked_ref());
            attached.push((target, name, closure));
        };
        let h = hint.clone();
        add(window.clone().into(), "online", Box::new(move || h(Input::Online)));
        let h = hint.clone();
        add(window.clone().into(), "offline", Box::new(move || h(Input::Offline)));
        let gone = hidden.clone();
        add(window.into(), "pagehide", Box::new(move || gone()));
        if let Some(doc) = document {
            let d = doc.clone();
            let visibility = move || {
                if d.visibility_state() == web_sys::VisibilityState::Visible {
                    hint(Input::Visible)
                } else {
                    hidden() // a hidden tab may be discarded without a pagehide
                }
            };
            add(doc.into(), "visibilitychange", Box::new(visibility));
        }
        WindowListeners { attached }
    }
}

impl Drop for WindowListeners {
    fn drop(&mut self) {
        for (target, name, closure) in &self.attached {
            let _ = target.remove_event_listener_with_callback(name, closure.as_ref().unchecked_ref());
        }
    }
}

/// Whether the browser currently believes it is online (true outside a window).
pub(crate) fn online() -> bool {
    super::window().is_none_or(|w| w.navigator().on_line())
}
