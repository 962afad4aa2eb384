// Subscriptions tied to a component's life: started on mount, stopped on unmount.
import { onBeforeUnmount, onMounted, ref } from "vue";
import type { Variables } from "../api/client";
import { api } from "./auth";

export function useSubscription<T>(query: string, variables: () => Variables, next: (data: T) => void) {
  const error = ref("");
  let stop: (() => void) | null = null;
  onMounted(() => {
    stop = api().subscribe<T>(query, variables(), (data) => {
      error.value = "";
      next(data);
    }, (message) => (error.value = message));
  });
  onBeforeUnmount(() => stop?.());
  return { error };
}
