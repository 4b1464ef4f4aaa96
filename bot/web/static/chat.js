/* Everyone's Voice: the live chat on top of plain HTML forms.
   Without this file every form still works, one page per question. With it, the same forms
   are sent in the background and the reply is added to the conversation (a role="log" live
   region, so screen readers read it out), then focus moves to the new answer. */
(function () {
  "use strict";

  var root = document.documentElement;
  root.classList.remove("no-js");
  root.classList.add("js");

  var player = null;
  var playingLink = null;

  function stopPlaying() {
    if (player) {
      player.pause();
      player = null;
    }
    if (playingLink) {
      playingLink.textContent = playingLink.getAttribute("data-label");
      playingLink.removeAttribute("aria-pressed");
      playingLink = null;
    }
  }

  function play(link) {
    var same = link === playingLink;
    stopPlaying();
    if (same) {
      return;
    }
    var log = document.getElementById("log");
    var stopWord = (log && log.getAttribute("data-stop")) || "Stop";
    link.setAttribute("data-label", link.textContent);
    link.textContent = stopWord;
    link.setAttribute("aria-pressed", "true");
    playingLink = link;
    player = new Audio(link.getAttribute("href"));
    player.addEventListener("ended", stopPlaying);
    player.play().catch(stopPlaying);
  }

  /* "Listen" links become buttons that play in the page. */
  function enhanceListen(scope) {
    var links = scope.querySelectorAll("a.listen-link");
    for (var i = 0; i < links.length; i++) {
      var link = links[i];
      link.setAttribute("role", "button");
      link.removeAttribute("target");
    }
  }

  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest("a.listen-link");
    if (!link) {
      return;
    }
    event.preventDefault();
    play(link);
  });

  document.addEventListener("keydown", function (event) {
    var link = event.target.closest && event.target.closest("a.listen-link");
    if (link && event.key === " ") {
      event.preventDefault();
      play(link);
    }
  });

  var log = document.getElementById("log");
  enhanceListen(document);
  if (!log) {
    return;
  }
  var status = document.getElementById("status");
  var answer = document.getElementById("answer");
  var answerBody = document.getElementById("answer-body");
  var settings = document.getElementById("settings");
  var busy = false;

  function say(text, isProblem) {
    status.textContent = text || "";
    status.classList.toggle("problem", Boolean(isProblem));
  }

  function labelOf(element) {
    var copy = element.cloneNode(true);
    var hidden = copy.querySelectorAll("[aria-hidden=true], .chosen-mark");
    for (var i = 0; i < hidden.length; i++) {
      hidden[i].remove();
    }
    return copy.textContent.replace(/\s+/g, " ").trim();
  }

  /* What the person did, in words, for their side of the conversation. */
  function describe(form, submitter) {
    if (form.hasAttribute("data-settings")) {
      return "";
    }
    var text = form.querySelector("[name=text]");
    if (text && (!submitter || !submitter.name)) {
      return text.value.trim();
    }
    if (submitter && submitter.classList.contains("done")) {
      var ticked = form.querySelectorAll("input[name=picked]:checked");
      var words = [];
      for (var i = 0; i < ticked.length; i++) {
        words.push(labelOf(ticked[i].closest("label")));
      }
      return words.join(", ") || labelOf(submitter);
    }
    return submitter ? labelOf(submitter) : "";
  }

  function addYou(text) {
    var bubble = document.createElement("div");
    bubble.className = "msg from-you kind-said new";
    var who = document.createElement("p");
    who.className = "sender";
    who.textContent = log.getAttribute("data-you");
    var words = document.createElement("p");
    words.textContent = text;
    bubble.appendChild(who);
    bubble.appendChild(words);
    log.appendChild(bubble);
  }

  function focusAnswer() {
    var target = answer.querySelector(
      "textarea, input.field, input[type=checkbox], button.option, button.control"
    );
    if (!target) {
      var messages = log.querySelectorAll(".msg.from-bot");
      target = messages[messages.length - 1];
    }
    if (target) {
      target.focus();
    }
  }

  function apply(reply) {
    var holder = document.createElement("div");
    holder.innerHTML = reply.log;
    var added = [];
    while (holder.firstElementChild) {
      var message = holder.firstElementChild;
      message.classList.add("new");
      added.push(message);
      log.appendChild(message);
    }
    answerBody.innerHTML = reply.answer;
    settings.innerHTML = reply.settings;
    root.setAttribute("lang", reply.lang);
    root.setAttribute("dir", reply.dir);
    added.forEach(enhanceListen);
    say(reply.status, false);
    focusAnswer();
    if (reply.speak) {
      var autoplay = log.querySelectorAll('.new a.listen-link[data-autoplay="yes"]');
      if (autoplay.length) {
        play(autoplay[autoplay.length - 1]);
      }
    }
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.matches || !form.matches("form[data-chat]")) {
      return;
    }
    event.preventDefault();
    if (busy) {
      return;
    }
    var submitter = event.submitter || null;
    var data = new FormData(form);
    if (submitter && submitter.name) {
      data.append(submitter.name, submitter.value);
    }
    var said = describe(form, submitter);
    busy = true;
    stopPlaying();
    say(log.getAttribute("data-sending"), false);
    var old = log.querySelectorAll(".msg.new");
    for (var i = 0; i < old.length; i++) {
      old[i].classList.remove("new");
    }
    fetch(form.getAttribute("action") || "/", {
      method: "POST",
      body: new URLSearchParams(data),
      headers: { Accept: "application/json" },
      credentials: "same-origin",
    })
      .then(function (response) {
        return response.json();
      })
      .then(function (reply) {
        if (reply.go) {
          window.location.assign(reply.go);
          return;
        }
        if (said) {
          addYou(said);
        }
        apply(reply);
      })
      .catch(function () {
        say(log.getAttribute("data-failed"), true);
      })
      .then(function () {
        busy = false;
      });
  });
})();
