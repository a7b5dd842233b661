// The customer's capture page for a streamed remote session (kiosk/api/remote). No request leaves the
// server it came from: the page, its style and this script are served by `kiosk serve`; frames go over a
// WebSocket to the same host. The session token comes in the URL fragment (#token=...), which the browser
// never sends in a request; the API key never reaches this page.
"use strict";
(function () {
  var TEXT = {
    en: {
      title: "Identity check", other: "Deutsch", otherLang: "de",
      intro: "Put your face inside the oval. We will ask you to do a few simple things, one at a time.",
      start: "Start the camera", note: "At some moment the screen will change colour for a few seconds: keep looking at it, that is part of the check.",
      asking: "Your browser will ask to use the camera. Please allow it.",
      connecting: "Connecting…", ready: "Look at the camera and hold still.",
      step: "Step {0} of {1}", hold: "Hold still", flash: "Keep looking at the screen while it changes colour.",
      sending: "Checking…",
      turn_left: "Turn your head to your left", turn_right: "Turn your head to your right", look_up: "Look up",
      look_down: "Look down", blink: "Blink", nose_to_target: "Move your nose to the yellow dot",
      move_closer: "Move closer to the camera",
      ACCEPT: "Thank you. Your identity check is complete.", REVIEW: "Thank you. A person will review your check; you will hear from us.",
      REJECT: "We could not complete the check. Please contact the service that sent you here.",
      no_token: "This link is incomplete. Please open it again from the service that sent you here.",
      no_camera: "The camera could not be used. Allow camera access in your browser and reload the page.",
      token_used: "This link was already used. Please start again from the service that sent you here.",
      token_expired: "This link has expired. Please start again from the service that sent you here.",
      token_unknown: "This link is not valid. Please start again from the service that sent you here.",
      too_slow: "The connection is too slow for the check. Try another network.",
      busy: "The service is busy. Please try again in a minute.", closed: "The connection was lost. Please start again.",
      rate_limited: "Too many attempts from this connection. Please wait a minute and start again.",
      too_many_streams: "This connection already has checks open. Close the other windows and start again.",
      frame_rate: "The camera sent too much at once. Please start again.",
      session_too_large: "The camera sent too much at once. Please start again.",
      other_error: "Something went wrong. Please start again.",
      noflash: "I must not see flashing colours",
      declined: "No colours will be shown. A person will review your check instead."
    },
    de: {
      title: "Identitätsprüfung", other: "English", otherLang: "en",
      intro: "Bringen Sie Ihr Gesicht in das Oval. Wir bitten Sie um einige einfache Bewegungen, eine nach der anderen.",
      start: "Kamera starten", note: "Irgendwann wechselt der Bildschirm einige Sekunden lang die Farbe: Schauen Sie weiter hin, das gehört zur Prüfung.",
      asking: "Ihr Browser fragt nach der Kamera. Bitte erlauben Sie den Zugriff.",
      connecting: "Verbindung wird aufgebaut …", ready: "Schauen Sie in die Kamera und halten Sie still.",
      step: "Schritt {0} von {1}", hold: "Halten Sie still", flash: "Schauen Sie weiter auf den Bildschirm, während er die Farbe wechselt.",
      sending: "Wird geprüft …",
      turn_left: "Drehen Sie den Kopf nach links", turn_right: "Drehen Sie den Kopf nach rechts", look_up: "Schauen Sie nach oben",
      look_down: "Schauen Sie nach unten", blink: "Blinzeln Sie", nose_to_target: "Bewegen Sie die Nase zum gelben Punkt",
      move_closer: "Kommen Sie näher an die Kamera",
      ACCEPT: "Vielen Dank. Ihre Identitätsprüfung ist abgeschlossen.", REVIEW: "Vielen Dank. Eine Person prüft Ihre Angaben; Sie hören von uns.",
      REJECT: "Die Prüfung konnte nicht abgeschlossen werden. Bitte wenden Sie sich an den Dienst, der Sie hierher geschickt hat.",
      no_token: "Dieser Link ist unvollständig. Bitte öffnen Sie ihn erneut über den Dienst, der Sie hierher geschickt hat.",
      no_camera: "Die Kamera konnte nicht verwendet werden. Erlauben Sie den Kamerazugriff und laden Sie die Seite neu.",
      token_used: "Dieser Link wurde bereits verwendet. Bitte beginnen Sie erneut.",
      token_expired: "Dieser Link ist abgelaufen. Bitte beginnen Sie erneut.",
      token_unknown: "Dieser Link ist ungültig. Bitte beginnen Sie erneut.",
      too_slow: "Die Verbindung ist für die Prüfung zu langsam. Versuchen Sie ein anderes Netz.",
      busy: "Der Dienst ist ausgelastet. Bitte versuchen Sie es in einer Minute erneut.", closed: "Die Verbindung wurde unterbrochen. Bitte beginnen Sie erneut.",
      rate_limited: "Zu viele Versuche über diese Verbindung. Bitte warten Sie eine Minute und beginnen Sie erneut.",
      too_many_streams: "Über diese Verbindung laufen bereits Prüfungen. Schließen Sie die anderen Fenster und beginnen Sie erneut.",
      frame_rate: "Die Kamera hat zu viel auf einmal gesendet. Bitte beginnen Sie erneut.",
      session_too_large: "Die Kamera hat zu viel auf einmal gesendet. Bitte beginnen Sie erneut.",
      other_error: "Etwas ist schiefgelaufen. Bitte beginnen Sie erneut.",
      noflash: "Ich darf keine blinkenden Farben sehen",
      declined: "Es werden keine Farben gezeigt. Stattdessen prüft eine Person Ihre Angaben."
    }
  };
  var COLOURS = { red: "#ff0000", green: "#00ff00", blue: "#0000ff", yellow: "#ffff00", cyan: "#00ffff",
                  magenta: "#ff00ff", white: "#ffffff" };
  var FPS = 12, MAX_BUFFERED = 2 * 1024 * 1024;
  var lang = (navigator.language || "en").toLowerCase().indexOf("de") === 0 ? "de" : "en";
  var $ = function (id) { return document.getElementById(id); };
  var state = { key: "intro", args: [], progress: null, ws: null, stream: null, timer: null, finished: false,
                declined: false };

  function fmt(s, args) { return s.replace(/\{(\d)\}/g, function (_, i) { return String(args[+i]); }); }
  function say(key, args, done) {  // done: "done" (finished) or "stopped" (finished without success)
    state.key = key; state.args = args || []; state.done = done || "";
    var el = $("instruction");
    el.textContent = fmt(TEXT[lang][key] || TEXT[lang].other_error, state.args);
    el.classList.toggle("done", !!done);
    el.classList.toggle("stopped", done === "stopped");
  }
  function showProgress(p) {
    state.progress = p;
    $("progress").textContent = p ? fmt(TEXT[lang].step, p) : "";
  }
  function applyLanguage() {
    var t = TEXT[lang];
    document.documentElement.lang = lang;
    document.title = t.title;
    Array.prototype.forEach.call(document.querySelectorAll("[data-t]"), function (el) {
      if (el.id !== "instruction") { el.textContent = t[el.getAttribute("data-t")]; }
    });
    $("lang").textContent = t.other;
    $("lang").setAttribute("lang", t.otherLang);
    $("lang").setAttribute("aria-label", t.other);
    say(state.key, state.args, state.done);
    showProgress(state.progress);
  }
  function token() {
    var m = /(?:^|[#&?])token=([^&]+)/.exec(location.hash) || /(?:^|[?&])token=([^&]+)/.exec(location.search);
    return m ? decodeURIComponent(m[1]) : "";
  }
  function send(obj) { if (state.ws && state.ws.readyState === 1) { state.ws.send(JSON.stringify(obj)); } }

  function stop() {
    state.finished = true;
    if (state.timer) { clearInterval(state.timer); state.timer = null; }
    if (state.stream) { state.stream.getTracks().forEach(function (t) { t.stop(); }); }
    $("flash").hidden = true;
    $("dot").hidden = true;
    $("stage").hidden = true;
    $("note").hidden = true;
    $("noflash").hidden = true;
  }
  // A customer who must not see flashing colours (photosensitivity) declines, before or while they play: the
  // server sends none (or stops judging them) and a person reviews the session (FLASH_DECLINED).
  function decline() {
    if (state.declined || state.finished) { return; }
    state.declined = true;
    $("flash").hidden = true;
    $("noflash").hidden = true;
    $("note").setAttribute("data-t", "declined");
    $("note").textContent = TEXT[lang].declined;
    send({ type: "decline_flash" });  // before the stream opens it is sent on "ready"
  }
  function fail(key) { stop(); showProgress(null); say(key, [], "stopped"); }

  function paint(colours, durations) {
    // Each colour is timed from the sequence's start (not from the previous timer), so timer delays do not
    // add up: the server checks the face against its own clock.
    var el = $("flash"), i = 0, t0 = performance.now(), end = 0;
    if (state.declined) { return; }
    say("flash");
    el.hidden = false;
    $("noflash").classList.add("over");
    (function next() {
      if (i >= colours.length || state.finished || state.declined) {
        el.hidden = true; $("noflash").classList.remove("over"); return;
      }
      el.style.background = COLOURS[colours[i]] || "#ffffff";
      end += durations[i];
      i += 1;
      setTimeout(next, Math.max(0, t0 + end - performance.now()));
    })();
  }
  function showStep(m) {
    showProgress([m.index + 1, m.of]);
    say(m.action);
    var dot = $("dot");
    if (m.target) {  // camera-image coordinates; the preview is mirrored
      dot.style.left = ((1 - m.target[0]) * 100) + "%";
      dot.style.top = (m.target[1] * 100) + "%";
      dot.hidden = false;
    } else { dot.hidden = true; }
  }
  function onMessage(ev) {
    var m;
    try { m = JSON.parse(ev.data); } catch (e) { return; }
    if (m.type === "ping") { send({ type: "pong", id: m.id }); }
    else if (m.type === "ready") {
      cameraReport(); startFrames(); say("ready");
      if (state.declined) { send({ type: "decline_flash" }); }
    }
    else if (m.type === "step") { showStep(m); }
    else if (m.type === "hold") { $("dot").hidden = true; showProgress(null); say("hold"); }
    else if (m.type === "flash") { paint(m.colours, m.durations_ms); }
    else if (m.type === "result") {
      stop(); showProgress(null); say(m.decision, [], m.decision === "REJECT" ? "stopped" : "done");
      if (state.ws) { state.ws.close(); }
    }
    else if (m.type === "error") { fail(TEXT[lang][m.code] ? m.code : "other_error"); }
  }
  function cameraReport() {
    var track = state.stream.getVideoTracks()[0];
    var s = track.getSettings ? track.getSettings() : {};
    send({ type: "camera", label: track.label || "", width: s.width || 0, height: s.height || 0 });
  }
  function startFrames() {
    var video = $("video"), canvas = document.createElement("canvas"), ctx = canvas.getContext("2d");
    state.timer = setInterval(function () {
      var ws = state.ws;
      if (!ws || ws.readyState !== 1 || ws.bufferedAmount > MAX_BUFFERED || !video.videoWidth) { return; }
      var scale = Math.min(1, 640 / video.videoWidth);
      canvas.width = Math.round(video.videoWidth * scale);
      canvas.height = Math.round(video.videoHeight * scale);
      ctx.drawImage(video, 0, 0, canvas.width, canvas.height);
      canvas.toBlob(function (blob) { if (blob && ws.readyState === 1) { ws.send(blob); } }, "image/jpeg", 0.85);
    }, 1000 / FPS);
  }
  function connect(tok) {
    say("connecting");
    var ws = new WebSocket((location.protocol === "https:" ? "wss://" : "ws://") + location.host +
                           "/v1/remote/stream?token=" + encodeURIComponent(tok));
    state.ws = ws;
    ws.onmessage = onMessage;
    ws.onclose = function () { if (!state.finished) { fail("closed"); } };
  }
  function start() {
    var tok = token();
    if (!tok) { say("no_token"); return; }
    if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) { say("no_camera"); return; }
    $("start").hidden = true;  // one session per link: the token opens one stream
    state.finished = false;
    say("asking");
    navigator.mediaDevices.getUserMedia({ audio: false, video: { facingMode: "user", width: { ideal: 640 }, height: { ideal: 480 } } })
      .then(function (stream) {
        state.stream = stream;
        $("video").srcObject = stream;
        connect(tok);
      })
      .catch(function () { fail("no_camera"); });
  }
  document.addEventListener("visibilitychange", function () { send({ type: "visibility", state: document.visibilityState }); });
  document.addEventListener("DOMContentLoaded", function () {
    $("start").addEventListener("click", start);
    $("noflash").addEventListener("click", decline);
    document.addEventListener("keydown", function (e) { if (e.key === "Escape" && !$("flash").hidden) { decline(); } });
    $("lang").addEventListener("click", function () { lang = TEXT[lang].otherLang; applyLanguage(); });
    if (!token()) { say("no_token"); $("start").disabled = true; }
    applyLanguage();
  });
})();
