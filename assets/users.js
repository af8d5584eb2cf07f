// Users (admins only; docs/USERS-AND-TOKENS.md): who may log in to the
// panel and with which role. Create, change the role, reset the password,
// deactivate or activate, delete. MCPbox keeps at least one active admin:
// a change that would leave none is refused (409 last_admin), and the
// page says so plainly.
import { api, qs, me, loadMe } from "./api.js";
import { h, clear, loading, errorBox, field, formError, busy, toast, confirmDialog, fmtTime, ago, pager } from "./ui.js";

export const ROLES = [
  ["viewer", "reads everything, changes nothing"],
  ["reviewer", "also approves, rejects and revokes what waits for review"],
  ["admin", "does everything: servers, secrets, settings, users, tokens"],
];

const LAST_ADMIN = "MCPbox needs at least one active admin. Make another user an admin first, then try again.";

export async function render(root) {
  root.append(h("div", { class: "page-head" },
    h("div", null, h("h1", null, "Users"), h("p", { class: "muted" }, "Who may log in to this panel, and what each role may do."))));
  const notice = h("div", { class: "error-box", role: "alert", hidden: true, dataset: { testid: "users-error" } });
  const out = h("div");
  root.append(notice, out, createForm(() => load()));
  let page = 1;

  function say(e) {
    notice.textContent = e.code === "last_admin" ? `${LAST_ADMIN} (${e.message})` : e.message;
    notice.dataset.code = e.code || "";
    notice.hidden = false;
  }

  // After a change of one's own account the role may be another now.
  async function after(u) {
    notice.hidden = true;
    const self = me() && u.id === me().id;
    if (!self) return void load();
    try {
      await loadMe();
    } catch {
      return; // Logged out: the login page comes.
    }
    if (me().role !== "admin") location.hash = "#/";
    else load();
  }

  async function patch(u, body, done) {
    try {
      const r = await api.patch(`/api/users/${u.id}`, body);
      toast(done);
      await after(r || u);
      return true;
    } catch (e) {
      say(e);
      toast(e.message, "error");
      return false;
    }
  }

  function row(u) {
    const self = me() && u.id === me().id;
    const sel = h("select", { name: "role", "aria-label": `Role of ${u.username}`, dataset: { testid: "user-role" } },
      ROLES.map(([r]) => h("option", { value: r, selected: r === u.role }, r)));
    sel.addEventListener("change", async () => {
      const to = sel.value;
      if (self && to !== "admin") {
        const ok = await confirmDialog({ title: "Change your own role?", message: `You become a ${to} at once and lose the admin pages.`,
          confirm: `Become ${to}`, danger: true });
        if (!ok) return void (sel.value = u.role);
      }
      if (!(await patch(u, { role: to }, `${u.username} is now ${to === "admin" ? "an" : "a"} ${to}.`))) sel.value = u.role;
    });
    const reset = h("button", { type: "button", class: "btn btn-small", dataset: { action: "reset-password" } }, "Reset password");
    reset.addEventListener("click", async () => {
      const pw = h("input", { name: "password", type: "password", autocomplete: "new-password", required: true, minlength: 12, maxlength: 128 });
      const r = await confirmDialog({ title: `New password for ${u.username}`,
        message: self ? "Every login of yours ends, this one too: log in again with the new password (Settings → Account changes it without that)."
          : `${u.username}'s logins end at once; tell them the new password.`,
        body: field("New password", pw, "12–128 characters."), confirm: "Set password",
        action: async () => {
          if (pw.value.length < 12 || pw.value.length > 128) throw { fields: { password: "12 to 128 characters" } };
          return api.patch(`/api/users/${u.id}`, { password: pw.value });
        } });
      pw.value = "";
      if (!r) return;
      toast(`Password of ${u.username} changed.`);
      // The API ended this login when it was one's own: the load goes
      // back to the login page.
      load();
    });
    const act = h("button", { type: "button", class: u.is_active ? "btn btn-small btn-danger-ghost" : "btn btn-small",
      dataset: { action: u.is_active ? "deactivate" : "activate" } }, u.is_active ? "Deactivate" : "Activate");
    act.addEventListener("click", async () => {
      if (u.is_active) {
        const ok = await confirmDialog({ title: `Deactivate ${u.username}?`,
          message: (self ? "This is you: you are logged out at once. " : "They are logged out at once and cannot log in until activated again. ") +
            "Nothing they did is undone.", confirm: "Deactivate", danger: true });
        if (!ok) return;
      }
      await patch(u, { is_active: !u.is_active }, `${u.username} ${u.is_active ? "deactivated" : "activated"}.`);
    });
    const del = h("button", { type: "button", class: "btn btn-small btn-danger-ghost", dataset: { action: "delete" } }, "Delete");
    del.addEventListener("click", async () => {
      const ok = await confirmDialog({ title: `Delete ${u.username}?`,
        message: (self ? "This is you: you are logged out at once. " : "") +
          "The account is deleted for good; what it approved keeps its name in the history.", confirm: "Delete user", danger: true });
      if (!ok) return;
      try {
        await api.del(`/api/users/${u.id}`);
        toast(`${u.username} deleted.`);
        notice.hidden = true;
        if (!self) load();
      } catch (e) {
        say(e);
        toast(e.message, "error");
      }
    });
    return h("tr", { dataset: { user: u.username, role: u.role, active: String(u.is_active) } },
      h("td", null, h("strong", null, u.username), self ? h("span", { class: "muted small" }, " (you)") : null,
        h("div", { class: "muted small" }, `added ${fmtTime(u.created_at)}${u.created_by ? " by " + u.created_by : ""}`)),
      h("td", null, sel),
      h("td", null, h("span", { class: u.is_active ? "badge badge-approved" : "badge badge-draft", dataset: { testid: "user-state" } },
        u.is_active ? "active" : "inactive")),
      h("td", { class: "muted", title: fmtTime(u.last_login_at) }, u.last_login_at ? ago(u.last_login_at) : "never"),
      h("td", null, h("div", { class: "actions" }, reset, act, del)));
  }

  async function load() {
    clear(out).append(loading());
    let d;
    try {
      d = await api.get("/api/users" + qs({ page, page_size: 50 }));
    } catch (e) {
      return void clear(out).append(errorBox(e));
    }
    clear(out).append(h("section", { class: "panel" },
      h("div", { class: "table-wrap" }, h("table", { class: "table", dataset: { testid: "users" } },
        h("thead", null, h("tr", null, h("th", null, "User"), h("th", null, "Role"), h("th", null, "State"), h("th", null, "Last login"), h("th", null, ""))),
        h("tbody", null, d.items.map(row)))),
      d.total > d.page_size ? pager(d, (p) => {
        page = p;
        load();
      }) : null,
      h("ul", { class: "plain roles muted small" }, ROLES.map(([r, what]) => h("li", null, h("span", { class: `role-badge role-${r}` }, r), " ", what)))));
  }
  await load();
}

function createForm(reload) {
  const user = h("input", { name: "username", autocomplete: "off", required: true, minlength: 3, maxlength: 50, dataset: { testid: "new-username" } });
  const pw = h("input", { name: "password", type: "password", autocomplete: "new-password", required: true, minlength: 12, maxlength: 128,
    dataset: { testid: "new-password" } });
  const role = h("select", { name: "role", dataset: { testid: "new-role" } }, ROLES.map(([r]) => h("option", { value: r, selected: r === "viewer" }, r)));
  const form = h("form", { class: "form panel", novalidate: true, dataset: { testid: "user-create" } }, h("h2", null, "Add a user"),
    h("div", { class: "row" },
      field("Username", user, "3–50 characters: letters, digits and _, starting with a letter."),
      field("Password", pw, "12–128 characters. Tell it to them; they can change it under Settings → Account."),
      field("Role", role, "Viewers read, reviewers also approve, admins do everything.")),
    formError(), h("button", { type: "submit", class: "btn btn-primary" }, "Add user"));
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    const b = { username: user.value.trim(), password: pw.value, role: role.value };
    busy(form, async () => {
      await api.post("/api/users", b);
      pw.value = "";
      user.value = "";
      toast(`${b.username} added as ${b.role === "admin" ? "an" : "a"} ${b.role}.`);
      reload();
    });
  });
  return form;
}
