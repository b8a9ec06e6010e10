// Sign in: one-click guest play, registration and login.
import { useState, type FormEvent } from "react";
import * as api from "../api/endpoints";
import { useI18n } from "../i18n";

export function SignIn() {
  const { t, locale, setLocale } = useI18n();
  const [mode, setMode] = useState<"login" | "register">("login");
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const [name, setName] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const run = async (f: () => Promise<unknown>) => {
    setBusy(true);
    setError(null);
    try {
      await f();
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
    } finally {
      setBusy(false);
    }
  };

  const submit = (e: FormEvent) => {
    e.preventDefault();
    void run(() => (mode === "login" ? api.login(email, password) : api.register(email, password, name)));
  };

  return (
    <div className="signin">
      <button className="link lang-corner" onClick={() => setLocale(locale === "en" ? "zh-CN" : "en")}>
        {t("lang.switch")}
      </button>
      <h1>{t("app.name")}</h1>
      <p className="muted">{t("signin.title")}</p>
      <button className="primary big" data-testid="guest-button" disabled={busy} onClick={() => void run(api.guest)}>
        {t("signin.guest")}
      </button>
      <div className="or">{t("signin.or")}</div>
      <form onSubmit={submit} className="card form">
        <h2>{mode === "login" ? t("signin.login") : t("signin.register")}</h2>
        <label>
          {t("signin.email")}
          <input type="email" value={email} onChange={(e) => setEmail(e.target.value)} autoComplete="email" required />
        </label>
        <label>
          {t("signin.password")}
          <input
            type="password"
            value={password}
            onChange={(e) => setPassword(e.target.value)}
            autoComplete={mode === "login" ? "current-password" : "new-password"}
            required
          />
        </label>
        {mode === "register" && (
          <label>
            {t("signin.name")}
            <input value={name} onChange={(e) => setName(e.target.value)} minLength={2} maxLength={32} required />
          </label>
        )}
        {error && <p className="error">{error}</p>}
        <button className="primary" disabled={busy} type="submit">
          {mode === "login" ? t("signin.login") : t("signin.register")}
        </button>
        <button type="button" className="link" onClick={() => setMode(mode === "login" ? "register" : "login")}>
          {mode === "login" ? t("signin.toRegister") : t("signin.toLogin")}
        </button>
      </form>
    </div>
  );
}
