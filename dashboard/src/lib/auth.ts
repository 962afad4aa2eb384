// The caller's credential (this tab only: sessionStorage) and who the server says they are.
import { reactive } from "vue";
import { Api, AuthError } from "../api/client";
import { WHOAMI, type Caller } from "../api/queries";

const KEY = "observatory.token";

export const auth = reactive<{ caller: Caller | null; reason: string }>({ caller: null, reason: "" });
let current: Api | null = null; // not reactive: a client with a socket, not state to render

export function can(permission: string): boolean {
  return auth.caller?.permissions.includes(permission) ?? false;
}

export function signOut(reason = ""): void {
  sessionStorage.removeItem(KEY);
  current?.close();
  current = null;
  auth.caller = null;
  auth.reason = reason;
}

/** Checks ``token`` with the server (``whoami``); on refusal keeps the server's reason. */
export async function signIn(token: string): Promise<boolean> {
  const api = new Api(token.trim(), (reason) => signOut(reason));
  try {
    const { whoami } = await api.request<{ whoami: Caller }>(WHOAMI);
    sessionStorage.setItem(KEY, token.trim());
    current = api;
    auth.caller = whoami;
    auth.reason = "";
    return true;
  } catch (error) {
    api.close();
    signOut(error instanceof AuthError ? error.message : `the server did not answer: ${String(error)}`);
    return false;
  }
}

export async function resume(): Promise<boolean> {
  const token = sessionStorage.getItem(KEY);
  return token ? signIn(token) : false;
}

/** The signed-in API (pages are reached only after sign-in). */
export function api(): Api {
  if (current === null) throw new AuthError("not signed in");
  return current;
}
