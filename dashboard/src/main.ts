import { createApp } from "vue";
import App from "./App.vue";
import { applyTheme } from "./lib/theme";
import { router } from "./router";
import "./style.css";

applyTheme();
createApp(App).use(router).mount("#app");
