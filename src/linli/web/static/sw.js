// Linli's service worker: shows the Web Push messages the notification worker sends
// ({title, body, notification_id, severity}) and opens the inbox when one is clicked.
"use strict";

self.addEventListener("install", function () {
  self.skipWaiting();
});

self.addEventListener("activate", function (event) {
  event.waitUntil(self.clients.claim());
});

self.addEventListener("push", function (event) {
  var data = {};
  try {
    data = event.data ? event.data.json() : {};
  } catch (err) {
    data = { title: "Linli", body: event.data ? event.data.text() : "" };
  }
  var urgent = data.severity === "critical" || data.severity === "major";
  event.waitUntil(
    self.registration.showNotification(data.title || "Linli", {
      body: data.body || "",
      tag: data.notification_id || undefined,
      renotify: Boolean(data.notification_id),
      requireInteraction: urgent,
      data: { url: "/inbox", notification_id: data.notification_id || null },
    })
  );
});

self.addEventListener("notificationclick", function (event) {
  event.notification.close();
  var url = (event.notification.data && event.notification.data.url) || "/inbox";
  event.waitUntil(
    self.clients.matchAll({ type: "window", includeUncontrolled: true }).then(function (windows) {
      for (var i = 0; i < windows.length; i++) {
        if (new URL(windows[i].url).pathname === url && "focus" in windows[i]) {
          return windows[i].focus();
        }
      }
      return self.clients.openWindow(url);
    })
  );
});
