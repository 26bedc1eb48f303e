-- One database per Salient server and one for the host, owned by the salient user (compose runs this once, on an
-- empty data directory). Each server's own tables, token table and audit log then live apart.
CREATE DATABASE salient_catalog OWNER salient;
CREATE DATABASE salient_crm OWNER salient;
CREATE DATABASE salient_scheduling OWNER salient;
CREATE DATABASE salient_crossfeed OWNER salient;
CREATE DATABASE salient_library OWNER salient;
CREATE DATABASE salient_host OWNER salient;
