/*
 * What a prompt or a resource answers, from its approved definition
 * (static items) or from what its code returned (computed ones).  Code
 * results are rebuilt from known members only: tool code can write any
 * byte of its process, so nothing of it is passed on as it came.
 *
 * A prompt's main() returns a string (one user message), or a list whose
 * elements are strings, content items (mcp.text(), mcp.image(), ...) or
 * {"role": "user"|"assistant", "content": item}.  A resource's read()
 * returns a string (text), content items (text ones become text, image
 * and audio ones a blob, a resource item its contents) or
 * {"text"|"blob": ..., "mimeType": ...}.  An item's complete() returns a
 * list of strings.
 */
#include <string.h>

#include "mcp/mcp.h"

/* "{name}" replaced by the argument's value; other braces stay. */
char *
mcp_text_fill(const char *text, const json_t *args)
{
	struct kore_buf	 b;
	const char	*p = text, *close, *v;
	char		 name[80];
	size_t		 n;
	char		*out;

	kore_buf_init(&b, strlen(text) + 64);
	while (*p != '\0') {
		if (*p == '{' && (close = strchr(p + 1, '}')) != NULL &&
		    (n = (size_t)(close - p - 1)) > 0 && n < sizeof(name)) {
			memcpy(name, p + 1, n);
			name[n] = '\0';
			v = json_string_value(json_object_get(args, name));
			if (v != NULL) {
				kore_buf_append(&b, v, strlen(v));
				p = close + 1;
				continue;
			}
		}
		kore_buf_append(&b, p, 1);
		p++;
	}
	out = kore_buf_stringify(&b, NULL);
	out = kore_strdup(out);
	kore_buf_cleanup(&b);
	return (out);
}

static void
item_fill_member(json_t *obj, const char *key, const json_t *args)
{
	const char	*s = json_string_value(json_object_get(obj, key));
	char		*f;

	if (s == NULL)
		return;
	f = mcp_text_fill(s, args);
	json_object_set_new(obj, key, json_string(f));
	kore_free(f);
}

/* A static prompt's messages with its arguments put in. */
json_t *
mcp_prompt_fill(const json_t *messages, const json_t *args)
{
	json_t	*out = json_deep_copy(messages), *m, *c;
	size_t	 i;

	json_array_foreach(out, i, m) {
		c = json_object_get(m, "content");
		item_fill_member(c, "text", args);
		if (json_is_object(json_object_get(c, "resource"))) {
			item_fill_member(json_object_get(c, "resource"), "uri",
			    args);
			item_fill_member(json_object_get(c, "resource"), "text",
			    args);
		}
	}
	return (out);
}

static json_t *
item_message(const char *role, json_t *content)
{
	return (json_pack("{s:s, s:o}", "role", role, "content", content));
}

static json_t *
item_text(const char *text)
{
	return (json_pack("{s:s, s:s}", "type", "text", "text", text));
}

/* One element of a prompt's result as a message; NULL: malformed. */
static json_t *
item_prompt_element(json_t *e)
{
	const char	*role;
	json_t		*c;

	if (json_is_string(e))
		return (item_message("user", item_text(json_string_value(e))));
	role = json_string_value(json_object_get(e, "role"));
	if (role != NULL) {
		if ((strcmp(role, "user") != 0 && strcmp(role, "assistant") !=
		    0) || (c = mcp_content_item(json_object_get(e, "content")))
		    == NULL)
			return (NULL);
		return (item_message(role, c));
	}
	if ((c = mcp_content_item(e)) == NULL)
		return (NULL);
	return (item_message("user", c));
}

/*
 * The elements of a result's list (a content result's items, a list, or
 * the one value), each made one answer element by fn; takes `list`; NULL
 * when the list is empty or an element is malformed.
 */
static json_t *
item_map(json_t *list, json_t *(*fn)(json_t *, const char *, const char *),
    const char *uri, const char *mime)
{
	json_t	*out = json_array(), *e, *m;
	size_t	 i;

	if (!json_is_array(list) || json_array_size(list) == 0)
		goto bad;
	json_array_foreach(list, i, e) {
		if ((m = fn(e, uri, mime)) == NULL)
			goto bad;
		json_array_append_new(out, m);
	}
	json_decref(list);
	return (out);
bad:
	json_decref(list);
	json_decref(out);
	return (NULL);
}

/* The list a result stands for; takes `result`. */
static json_t *
item_list_of(json_t *result)
{
	json_t	*list;

	if (json_is_object(result) &&
	    json_is_string(json_object_get(result, CONTENT_MARK)))
		list = json_incref(json_object_get(result, "content"));
	else if (json_is_array(result))
		list = json_incref(result);
	else
		list = json_pack("[O]", result);
	json_decref(result);
	return (list);
}

static json_t *
item_prompt_element_of(json_t *e, const char *uri, const char *mime)
{
	(void)uri;
	(void)mime;
	return (item_prompt_element(e));
}

/* A computed prompt's messages; takes `result`; NULL when malformed. */
json_t *
mcp_prompt_messages(json_t *result)
{
	return (item_map(item_list_of(result), item_prompt_element_of, NULL,
	    NULL));
}

/* One element of a resource's result as contents; NULL: malformed. */
static json_t *
item_resource_element(json_t *e, const char *uri, const char *mime)
{
	const char	*type;
	json_t		*c, *r;

	if (json_is_string(e))
		return (json_pack("{s:s, s:s, s:O}", "uri", uri, "mimeType",
		    mime != NULL ? mime : "text/plain", "text", e));
	type = json_string_value(json_object_get(e, "type"));
	if (type == NULL) {
		/* {"text"|"blob", "mimeType"}: checked as a resource item. */
		c = json_pack("{s:s, s:{s:s}}", "type", "resource", "resource",
		    "uri", uri);
		r = json_object_get(c, "resource");
		if (json_object_get(e, "text") != NULL)
			json_object_set(r, "text", json_object_get(e, "text"));
		if (json_object_get(e, "blob") != NULL)
			json_object_set(r, "blob", json_object_get(e, "blob"));
		if (json_object_get(e, "mimeType") != NULL)
			json_object_set(r, "mimeType", json_object_get(e,
			    "mimeType"));
		else if (mime != NULL)
			json_object_set_new(r, "mimeType", json_string(mime));
		e = c;
	} else {
		json_incref(e);
	}
	c = mcp_content_item(e);
	json_decref(e);
	if (c == NULL)
		return (NULL);
	type = json_string_value(json_object_get(c, "type"));
	if (strcmp(type, "resource") == 0)
		r = json_incref(json_object_get(c, "resource"));
	else if (strcmp(type, "text") == 0)
		r = json_pack("{s:s, s:s, s:O}", "uri", uri, "mimeType",
		    mime != NULL ? mime : "text/plain", "text",
		    json_object_get(c, "text"));
	else if (strcmp(type, "image") == 0 || strcmp(type, "audio") == 0)
		r = json_pack("{s:s, s:O, s:O}", "uri", uri, "mimeType",
		    json_object_get(c, "mimeType"), "blob",
		    json_object_get(c, "data"));
	else
		r = NULL;
	json_decref(c);
	return (r);
}

/* A computed resource's contents; takes `result`; NULL when malformed. */
json_t *
mcp_resource_contents(json_t *result, const char *uri, const char *mime)
{
	return (item_map(item_list_of(result), item_resource_element, uri,
	    mime));
}

/*
 * What an item's complete(argument, value) returned, as completion/complete
 * answers it: a list of strings, at most 100 of them served; takes
 * `result`; NULL when it is not such a list.
 */
json_t *
mcp_completion_of(json_t *result)
{
	json_t	*out, *v;
	size_t	 i, n;

	if (!json_is_array(result)) {
		json_decref(result);
		return (NULL);
	}
	out = json_array();
	n = json_array_size(result);
	json_array_foreach(result, i, v) {
		if (!json_is_string(v) || json_string_length(v) > 200) {
			json_decref(out);
			json_decref(result);
			return (NULL);
		}
		if (i < 100)
			json_array_append(out, v);
	}
	json_decref(result);
	return (json_pack("{s:o, s:I, s:b}", "values", out, "total",
	    (json_int_t)n, "hasMore", n > 100));
}
