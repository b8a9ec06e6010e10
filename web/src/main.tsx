// Entry point: mounts the app with the language provider.
import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { I18nProvider } from "./i18n";
import { App } from "./App";
import "./styles.css";
import { live } from "./game/store";
import { socket } from "./api/ws";

// A handle for debugging from the browser console (and for screenshot harnesses): the live store
// and the socket. It gives no more power than the page itself has.
(window as unknown as { __playhouse: unknown }).__playhouse = { live, socket };

createRoot(document.getElementById("root")!).render(
  <StrictMode>
    <I18nProvider>
      <App />
    </I18nProvider>
  </StrictMode>,
);
