// Preloaded into the peer (node --require): a listen() given a port and
// no host binds 127.0.0.1, so the bench's peer is reachable from this
// machine only, like everything else the bench starts.
"use strict";
const net = require("node:net");
const listen = net.Server.prototype.listen;
net.Server.prototype.listen = function (...args) {
	const port = args[0];
	const isPort = typeof port === "number" ||
	    (typeof port === "string" && /^\d+$/.test(port));
	if (isPort && typeof args[1] !== "string")
		args.splice(1, 0, "127.0.0.1");
	return listen.apply(this, args);
};
