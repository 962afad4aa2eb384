// Light or dark: the system's preference until the user picks one (kept in localStorage).
import { ref } from "vue";

export type Theme = "light" | "dark";
const KEY = "observatory.theme";

function preferred(): Theme {
  const saved = localStorage.getItem(KEY);
  if (saved === "light" || saved === "dark") return saved;
  return matchMedia("(prefers-color-scheme: dark)").matches ? "dark" : "light";
}

export const theme = ref<Theme>("light");

export function applyTheme(next: Theme = preferred()): void {
  theme.value = next;
  document.documentElement.dataset.theme = next;
}

export function toggleTheme(): void {
  const next = theme.value === "dark" ? "light" : "dark";
  localStorage.setItem(KEY, next);
  applyTheme(next);
}
