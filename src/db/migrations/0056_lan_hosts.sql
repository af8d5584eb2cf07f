-- LAN hosts are a request of their own (docs/DECISIONS.md D37).
--
-- A network request is for a public host (https, public addresses only, as
-- before) or for a private one: a host on the local network (RFC 1918,
-- CGNAT, ULA), which the broker reaches over http or https and only at LAN
-- addresses. mcpbox_request_network_access decides the kind from what the
-- host resolves to and refuses loopback, metadata, link-local, unspecified
-- and reserved addresses and MCPbox's own doors at once; here the text of
-- a host is checked again, so that a row inserted by any path (an import,
-- an INSERT by hand) is approved only if the request could have been made.
-- The broker checks every address again at call time whatever a row says.

ALTER TABLE network_access_requests ADD COLUMN kind text NOT NULL
    DEFAULT 'public' CHECK (kind IN ('public', 'private'));

-- What an address literal is, as src/core/netaddr.c says (kept in step by
-- tests/integration/test_lan_hosts.py); NULL for a name. A dotted quad
-- with a leading zero is no literal here (inet_aton reads it as octal).
CREATE FUNCTION network_literal_kind(h text) RETURNS text
LANGUAGE plpgsql IMMUTABLE AS $$
DECLARE
	a inet;
BEGIN
	IF h IS NULL OR (h !~ '^[0-9]{1,3}(\.[0-9]{1,3}){3}$' AND
	    h !~ '^[0-9a-fA-F:.]*:[0-9a-fA-F:.]*$') OR
	    h ~ '(^|\.)0[0-9]' AND h !~ ':' THEN
		RETURN NULL;
	END IF;
	BEGIN
		a := h::inet;
	EXCEPTION WHEN others THEN
		RETURN NULL;
	END;
	IF masklen(a) <> (CASE family(a) WHEN 4 THEN 32 ELSE 128 END) THEN
		RETURN NULL;
	END IF;
	IF family(a) = 6 AND a <<= inet '::ffff:0.0.0.0/96' THEN
		a := inet '0.0.0.0' + (a - inet '::ffff:0.0.0.0');
	END IF;
	RETURN coalesce((SELECT v.k FROM (VALUES
	    (1, inet '0.0.0.0/8', 'unspecified'),
	    (2, inet '10.0.0.0/8', 'private'),
	    (3, inet '100.100.100.200/32', 'metadata'),
	    (4, inet '100.64.0.0/10', 'private'),
	    (5, inet '127.0.0.0/8', 'loopback'),
	    (6, inet '168.63.129.16/32', 'metadata'),
	    (7, inet '169.254.169.254/32', 'metadata'),
	    (8, inet '169.254.170.2/32', 'metadata'),
	    (9, inet '169.254.170.23/32', 'metadata'),
	    (10, inet '169.254.0.0/16', 'link-local'),
	    (11, inet '172.16.0.0/12', 'private'),
	    (12, inet '192.0.0.0/24', 'reserved'),
	    (13, inet '192.0.2.0/24', 'reserved'),
	    (14, inet '192.88.99.0/24', 'reserved'),
	    (15, inet '192.168.0.0/16', 'private'),
	    (16, inet '198.18.0.0/15', 'reserved'),
	    (17, inet '198.51.100.0/24', 'reserved'),
	    (18, inet '203.0.113.0/24', 'reserved'),
	    (19, inet '224.0.0.0/4', 'reserved'),
	    (20, inet '240.0.0.0/4', 'reserved'),
	    (21, inet '::1/128', 'loopback'),
	    (22, inet '::/128', 'unspecified'),
	    (23, inet '::/96', 'reserved'),
	    (24, inet '64:ff9b::/32', 'reserved'),
	    (25, inet '100::/64', 'reserved'),
	    (26, inet 'fd00:ec2::/48', 'metadata'),
	    (27, inet 'fd20:ce::254/128', 'metadata'),
	    (28, inet 'fc00::/7', 'private'),
	    (29, inet 'fe80::/10', 'link-local'),
	    (30, inet 'fec0::/10', 'reserved'),
	    (31, inet 'ff00::/8', 'reserved'),
	    (32, inet '2001:db8::/32', 'reserved'),
	    (33, inet '2001::/32', 'reserved'),
	    (34, inet '2002::/16', 'reserved')) v(o, net, k)
	    WHERE family(a) = family(v.net) AND a <<= v.net
	    ORDER BY v.o LIMIT 1), 'public');
END
$$;

-- Why a tool may never be allowed host:port, from its text (NULL: it may
-- be). `doors` is MCPbox's own listeners as "host:port ..." (the
-- approving instance's; the broker of every instance refuses its own).
CREATE FUNCTION network_host_refused(h text, p integer, doors text)
RETURNS text LANGUAGE plpgsql IMMUTABLE AS $$
DECLARE
	n text := lower(rtrim(h, '.'));
	k text := network_literal_kind(n);
	d text;
BEGIN
	IF k IS NULL AND (n = 'localhost' OR n LIKE '%.localhost' OR n IN (
	    'localhost.localdomain', 'ip6-localhost', 'ip6-loopback',
	    'localhost6', 'localhost6.localdomain6')) THEN
		k := 'loopback';
	ELSIF k IS NULL AND n IN ('metadata.google.internal', 'metadata.goog',
	    'metadata', 'instance-data', 'instance-data.ec2.internal',
	    'metadata.tencentyun.com') THEN
		k := 'metadata';
	ELSIF k IS NULL AND
	    n ~ '^(0x[0-9a-f]*|[0-9]+)(\.(0x[0-9a-f]*|[0-9]+)){0,3}$' THEN
		RETURN h || ' is an address in another form than a.b.c.d';
	END IF;
	IF k IN ('loopback', 'metadata', 'link-local', 'unspecified',
	    'reserved') THEN
		RETURN h || ' is ' || CASE k
		    WHEN 'loopback' THEN 'a loopback address (this machine '
			'itself)'
		    WHEN 'metadata' THEN 'a cloud metadata address'
		    WHEN 'link-local' THEN 'a link-local address'
		    WHEN 'unspecified' THEN 'the unspecified address (it '
			'connects to this machine itself)'
		    ELSE 'a reserved, multicast or documentation address' END
		    || ', which tools can never reach';
	END IF;
	FOREACH d IN ARRAY string_to_array(coalesce(doors, ''), ' ') LOOP
		IF n = lower(btrim(regexp_replace(d, ':[0-9]+$', ''), '[]')) AND
		    coalesce(p, 443) = substring(d FROM ':([0-9]+)$')::int THEN
			RETURN h || ':' || coalesce(p, 443) || ' is MCPbox''s '
			    'own address, which tools can never reach';
		END IF;
	END LOOP;
	RETURN NULL;
END
$$;

-- An address literal carries its own kind, whoever wrote the row; a name
-- keeps the kind its request was filed with (public unless the lookup
-- found it on the local network).
CREATE FUNCTION network_request_kind() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
	IF network_literal_kind(lower(NEW.host)) IN ('public', 'private') THEN
		NEW.kind := network_literal_kind(lower(NEW.host));
	END IF;
	RETURN NEW;
END
$$;

CREATE TRIGGER network_request_kind BEFORE INSERT OR UPDATE OF host, kind
    ON network_access_requests FOR EACH ROW
    EXECUTE FUNCTION network_request_kind();

UPDATE network_access_requests SET kind = 'private'
    WHERE network_literal_kind(lower(host)) = 'private';

-- A tool's hosts, as the sandbox takes them: "private" for a host approved
-- as one on the local network. A host approved both ways is two entries,
-- and the broker takes whichever fits what the host resolves to.
CREATE OR REPLACE FUNCTION tool_allowed_hosts(tid uuid) RETURNS jsonb
LANGUAGE plpgsql STABLE AS $$
BEGIN
	RETURN (SELECT coalesce(jsonb_agg(DISTINCT jsonb_build_object('host',
	    r.host, 'port', r.port, 'private', r.kind = 'private')),
	    '[]'::jsonb)
	FROM network_access_requests r, tools t
	WHERE t.id = tid AND r.status = 'approved' AND (r.tool_id = tid OR
	    (r.tool_id IS NULL AND r.server_id = t.server_id)));
END
$$;
