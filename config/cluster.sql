-- SPDX-License-Identifier: BSD-3-Clause
-- xbgw [cluster] schema: several gateways as one channel (app/ctl/CLUSTER.md).
-- Applied by `xbgw --cluster-init` (idempotent: every statement creates
-- what is missing or replaces a function; nothing is dropped, no row is
-- touched), in one transaction under an advisory lock, so two gateways
-- initialising at once do not race.
--
-- Units: bytes are Ethernet frame bytes; month is YYYYMM (local month of
-- [tariff] utc_offset, as the usage files); price is micro-units per 1e9
-- bytes, as in usage-YYYY-MM.csv.

CREATE TABLE IF NOT EXISTS xb_schema (
    version integer NOT NULL,
    applied timestamptz NOT NULL DEFAULT now()
);

-- One row per gateway: its current epoch (a new one per process start),
-- the SHA-256 of the tables it has loaded, and when it was last heard of.
CREATE TABLE IF NOT EXISTS xb_gateways (
    gateway text PRIMARY KEY,
    epoch bigint NOT NULL DEFAULT 0,
    ruleset_sha256 text NOT NULL DEFAULT '',
    generation bigint NOT NULL DEFAULT 0,
    started timestamptz NOT NULL DEFAULT now(),
    last_seen timestamptz NOT NULL DEFAULT now(),
    last_checkpoint_seq bigint NOT NULL DEFAULT 0,
    last_checkpoint timestamptz
);

-- A tenant's monthly pool: quota_bytes as the tenants.csv of the last
-- gateway that asked (the ruleset check reports gateways that disagree),
-- granted_bytes handed out to gateways so far.  What is left is
-- quota_bytes - granted_bytes (never below 0 except by forced grants:
-- allowances a gateway gave itself while PostgreSQL was unreachable).
CREATE TABLE IF NOT EXISTS xb_pools (
    tenant text NOT NULL,
    month integer NOT NULL,
    quota_bytes bigint NOT NULL,
    granted_bytes bigint NOT NULL DEFAULT 0,
    PRIMARY KEY (tenant, month)
);

-- Every grant request, keyed by who asked: a replayed request (same
-- gateway, epoch, seq) gets the answer stored here, never a second debit.
CREATE TABLE IF NOT EXISTS xb_grants (
    gateway text NOT NULL,
    epoch bigint NOT NULL,
    seq bigint NOT NULL,
    tenant text NOT NULL,
    month integer NOT NULL,
    asked bigint NOT NULL,
    granted bigint NOT NULL,
    pool_left bigint NOT NULL,
    forced boolean NOT NULL DEFAULT false,
    at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (gateway, epoch, seq)
);

-- What one gateway process (gateway, epoch) holds of a pool.  used_at_open:
-- the gateway's ledger bytes for (tenant, month) when the reservation
-- opened; at close, unreported = granted - (ledger now - used_at_open):
-- bytes granted that no checkpoint reported (forwarded after the last
-- checkpoint of a crashed process, or never used).  They stay debited.
CREATE TABLE IF NOT EXISTS xb_reservations (
    gateway text NOT NULL,
    epoch bigint NOT NULL,
    tenant text NOT NULL,
    month integer NOT NULL,
    granted bigint NOT NULL DEFAULT 0,
    used_at_open bigint NOT NULL DEFAULT 0,
    state text NOT NULL DEFAULT 'open',  -- open | closed | expired
    unreported bigint,
    closed_at timestamptz,
    PRIMARY KEY (gateway, epoch, tenant, month)
);

-- Usage: monotone totals per gateway and key, as the gateway's usage
-- files hold them; seq = epoch << 32 | checkpoint number, so an older or
-- repeated checkpoint changes nothing.
CREATE TABLE IF NOT EXISTS xb_ledger (
    gateway text NOT NULL,
    month integer NOT NULL,
    tenant text NOT NULL,
    country text NOT NULL,
    category text NOT NULL,
    band text NOT NULL,
    price_micros_per_gb bigint NOT NULL,
    currency text NOT NULL,
    packets bigint NOT NULL,
    bytes bigint NOT NULL,
    seq bigint NOT NULL,
    updated timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (gateway, month, tenant, country, category, band,
                 price_micros_per_gb, currency)
);

-- Aggregate meters (app/ctl/CLUSTER.md "Meter shares"): per gateway and
-- meter ("tenant:qos line"), its recent demand (bytes/s offered to the
-- meter), the share of the row's rates it holds (parts per million) and
-- the share it last said it runs.  The shares of live gateways never sum
-- above 10^6: a gateway takes more only from what is free, and what it
-- gives back stays counted (applied_ppm) until it reports that it runs
-- the lower share.  Rows of a gateway that stopped are deleted; those of
-- one that went silent count until it is validity_s late.
CREATE TABLE IF NOT EXISTS xb_meter_demand (
    gateway text NOT NULL,
    meter text NOT NULL,
    bytes_per_s bigint NOT NULL,
    share_ppm integer NOT NULL DEFAULT 0,
    applied_ppm integer NOT NULL DEFAULT 0,
    at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (gateway, meter)
);

-- One row per meter, locked while a gateway changes its share of it.
CREATE TABLE IF NOT EXISTS xb_meters (
    meter text PRIMARY KEY
);

-- Close the open reservations of a gateway's earlier epochs (state
-- 'closed': the process restarted) or of gateways silent for longer than
-- validity_s ('expired'), recording what was granted but not reported.
CREATE OR REPLACE FUNCTION xb_close_reservations(p_gateway text,
    p_before_epoch bigint, p_state text)
RETURNS integer LANGUAGE sql AS $$
    WITH c AS (
        UPDATE xb_reservations r SET state = p_state, closed_at = now(),
            unreported = GREATEST(0, r.granted - (COALESCE((SELECT sum(l.bytes)
                FROM xb_ledger l WHERE l.gateway = r.gateway
                AND l.tenant = r.tenant AND l.month = r.month), 0)
                - r.used_at_open))
        WHERE r.gateway = p_gateway AND r.epoch < p_before_epoch
          AND r.state = 'open'
        RETURNING 1)
    SELECT count(*)::integer FROM c
$$;

-- A gateway process starts: a new epoch, its old reservations closed.
CREATE OR REPLACE FUNCTION xb_gateway_start(p_gateway text, p_sha text,
    p_generation bigint)
RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
    e bigint;
BEGIN
    INSERT INTO xb_gateways (gateway) VALUES (p_gateway)
        ON CONFLICT (gateway) DO NOTHING;
    UPDATE xb_gateways SET epoch = epoch + 1, ruleset_sha256 = p_sha,
        generation = p_generation, started = now(), last_seen = now()
        WHERE gateway = p_gateway RETURNING epoch INTO e;
    PERFORM xb_close_reservations(p_gateway, e, 'closed');
    RETURN e;
END $$;

-- Heartbeat: last seen, ruleset; and expire the reservations of gateways
-- not seen for validity_s (any live gateway does it for all).  Returns
-- how many reservations it expired.
CREATE OR REPLACE FUNCTION xb_heartbeat(p_gateway text, p_epoch bigint,
    p_sha text, p_generation bigint, p_validity_s integer)
RETURNS integer LANGUAGE plpgsql AS $$
DECLARE
    n integer := 0;
    g record;
BEGIN
    UPDATE xb_gateways SET last_seen = now(), ruleset_sha256 = p_sha,
        generation = p_generation
        WHERE gateway = p_gateway AND epoch = p_epoch;
    FOR g IN SELECT gateway, epoch FROM xb_gateways
             WHERE last_seen < now() - make_interval(secs => p_validity_s)
    LOOP
        n := n + xb_close_reservations(g.gateway, g.epoch + 1, 'expired');
    END LOOP;
    RETURN n;
END $$;

-- Grant up to p_asked bytes of (tenant, month) to (gateway, epoch):
-- min(asked, what is left), debited at once under the pool row's lock;
-- forced: the whole p_asked (an allowance the gateway already gave itself
-- during an outage, reported afterwards).  Idempotent by (gateway, epoch,
-- seq).  Returns the bytes granted and what the pool has left after.
CREATE OR REPLACE FUNCTION xb_grant(p_gateway text, p_epoch bigint,
    p_seq bigint, p_tenant text, p_month integer, p_quota bigint,
    p_asked bigint, p_forced boolean,
    OUT granted bigint, OUT pool_left bigint)
LANGUAGE plpgsql AS $$
DECLARE
    p xb_pools%ROWTYPE;
BEGIN
    SELECT g.granted, g.pool_left INTO granted, pool_left FROM xb_grants g
        WHERE g.gateway = p_gateway AND g.epoch = p_epoch AND g.seq = p_seq;
    IF FOUND THEN
        RETURN;
    END IF;
    INSERT INTO xb_pools (tenant, month, quota_bytes)
        VALUES (p_tenant, p_month, p_quota)
        ON CONFLICT (tenant, month) DO NOTHING;
    SELECT * INTO p FROM xb_pools
        WHERE tenant = p_tenant AND month = p_month FOR UPDATE;
    IF p.quota_bytes <> p_quota THEN
        UPDATE xb_pools SET quota_bytes = p_quota
            WHERE tenant = p_tenant AND month = p_month;
        p.quota_bytes := p_quota;
    END IF;
    IF p_forced THEN
        granted := p_asked;
    ELSE
        granted := LEAST(p_asked,
                         GREATEST(0, p.quota_bytes - p.granted_bytes));
    END IF;
    UPDATE xb_pools SET granted_bytes = granted_bytes + granted
        WHERE tenant = p_tenant AND month = p_month;
    pool_left := GREATEST(0, p.quota_bytes - p.granted_bytes - granted);
    INSERT INTO xb_grants (gateway, epoch, seq, tenant, month, asked,
                           granted, pool_left, forced)
        VALUES (p_gateway, p_epoch, p_seq, p_tenant, p_month, p_asked,
                granted, pool_left, p_forced);
    INSERT INTO xb_reservations AS r (gateway, epoch, tenant, month,
                                      granted, used_at_open)
        VALUES (p_gateway, p_epoch, p_tenant, p_month, granted,
                COALESCE((SELECT sum(l.bytes) FROM xb_ledger l
                          WHERE l.gateway = p_gateway
                            AND l.tenant = p_tenant
                            AND l.month = p_month), 0))
        ON CONFLICT (gateway, epoch, tenant, month)
        DO UPDATE SET granted = r.granted + EXCLUDED.granted;
END $$;

-- One usage record of a checkpoint: monotone totals, applied only when
-- the checkpoint is newer than what the row holds.
CREATE OR REPLACE FUNCTION xb_ledger_put(p_gateway text, p_seq bigint,
    p_month integer, p_tenant text, p_country text, p_category text,
    p_band text, p_price bigint, p_currency text, p_packets bigint,
    p_bytes bigint)
RETURNS void LANGUAGE sql AS $$
    INSERT INTO xb_ledger AS l (gateway, month, tenant, country, category,
        band, price_micros_per_gb, currency, packets, bytes, seq)
    VALUES (p_gateway, p_month, p_tenant, p_country, p_category, p_band,
            p_price, p_currency, p_packets, p_bytes, p_seq)
    ON CONFLICT (gateway, month, tenant, country, category, band,
                 price_micros_per_gb, currency)
    DO UPDATE SET packets = EXCLUDED.packets, bytes = EXCLUDED.bytes,
                  seq = EXCLUDED.seq, updated = now()
    WHERE EXCLUDED.seq > l.seq
$$;

-- A gateway's shares of aggregate meters, in one round trip per period:
-- for each meter (p_meters sorted, so that gateways lock them in one
-- order), record its demand and the share it runs (p_applied), and grant
-- it min(p_target, 10^6 - what the other live gateways hold), where a
-- gateway holds max(share, applied) (a share given back counts until the
-- gateway runs the lower one).  Returns per meter the share granted and
-- the other live gateways' demands (for the next target).
CREATE OR REPLACE FUNCTION xb_meter_share(p_gateway text, p_meters text[],
    p_demand bigint[], p_target integer[], p_applied integer[],
    p_live_s integer)
RETURNS TABLE (meter_id text, granted_ppm integer, others_demand bigint[])
LANGUAGE plpgsql AS $$
DECLARE
    i integer;
    held bigint;
    live timestamptz := now() - make_interval(secs => p_live_s);
BEGIN
    INSERT INTO xb_meters (meter) SELECT unnest(p_meters)
        ON CONFLICT DO NOTHING;
    PERFORM 1 FROM xb_meters m WHERE m.meter = ANY (p_meters)
        ORDER BY m.meter FOR UPDATE;
    FOR i IN 1 .. COALESCE(array_length(p_meters, 1), 0) LOOP
        meter_id := p_meters[i];
        SELECT COALESCE(sum(GREATEST(d.share_ppm, d.applied_ppm)), 0),
               COALESCE(array_agg(d.bytes_per_s), '{}')
            INTO held, others_demand
            FROM xb_meter_demand d JOIN xb_gateways g
                ON g.gateway = d.gateway
            WHERE d.meter = p_meters[i] AND d.gateway <> p_gateway
              AND g.last_seen >= live;
        granted_ppm := LEAST(p_target[i], GREATEST(0, 1000000 - held));
        INSERT INTO xb_meter_demand AS d (gateway, meter, bytes_per_s,
                                          share_ppm, applied_ppm)
            VALUES (p_gateway, p_meters[i], p_demand[i], granted_ppm,
                    p_applied[i])
            ON CONFLICT (gateway, meter) DO UPDATE
            SET bytes_per_s = EXCLUDED.bytes_per_s,
                share_ppm = EXCLUDED.share_ppm,
                applied_ppm = EXCLUDED.applied_ppm, at = now();
        RETURN NEXT;
    END LOOP;
END $$;

-- A gateway that stops gives its shares back.
CREATE OR REPLACE FUNCTION xb_meter_release(p_gateway text)
RETURNS integer LANGUAGE sql AS $$
    WITH d AS (DELETE FROM xb_meter_demand WHERE gateway = p_gateway
               RETURNING 1)
    SELECT count(*)::integer FROM d
$$;

-- One checkpoint in one statement (one round trip): the rows that
-- changed since the last acknowledged one, as parallel arrays, each
-- upserted like xb_ledger_put (monotone: applied only when p_seq is newer
-- than the row's), and the gateway's last checkpoint recorded.  Returns
-- how many rows it changed.
CREATE OR REPLACE FUNCTION xb_ledger_ship(p_gateway text, p_seq bigint,
    p_month integer[], p_tenant text[], p_country text[],
    p_category text[], p_band text[], p_price bigint[], p_currency text[],
    p_packets bigint[], p_bytes bigint[])
RETURNS integer LANGUAGE plpgsql AS $$
DECLARE
    n integer;
BEGIN
    INSERT INTO xb_ledger AS l (gateway, month, tenant, country, category,
        band, price_micros_per_gb, currency, packets, bytes, seq)
    SELECT p_gateway, u.month, u.tenant, u.country, u.category, u.band,
           u.price, u.currency, u.packets, u.bytes, p_seq
    FROM unnest(p_month, p_tenant, p_country, p_category, p_band, p_price,
                p_currency, p_packets, p_bytes)
         AS u (month, tenant, country, category, band, price, currency,
               packets, bytes)
    ON CONFLICT (gateway, month, tenant, country, category, band,
                 price_micros_per_gb, currency)
    DO UPDATE SET packets = EXCLUDED.packets, bytes = EXCLUDED.bytes,
                  seq = EXCLUDED.seq, updated = now()
    WHERE EXCLUDED.seq > l.seq;
    GET DIAGNOSTICS n = ROW_COUNT;
    UPDATE xb_gateways SET last_checkpoint_seq = p_seq,
        last_checkpoint = now()
        WHERE gateway = p_gateway AND last_checkpoint_seq < p_seq;
    RETURN n;
END $$;

-- The gateways as `xbgwctl cluster` / /xbgw/cluster list them.
CREATE OR REPLACE VIEW xb_cluster_gateways AS
    SELECT g.gateway, g.epoch, g.ruleset_sha256, g.generation,
           extract(epoch FROM g.last_seen)::bigint AS last_seen,
           COALESCE((SELECT sum(r.granted) FROM xb_reservations r
                     WHERE r.gateway = g.gateway AND r.epoch = g.epoch
                       AND r.state = 'open'), 0)::bigint AS reservations_bytes,
           COALESCE(extract(epoch FROM g.last_checkpoint)::bigint, 0)
               AS last_checkpoint
    FROM xb_gateways g;

-- Per tenant and month: usage of all gateways (the ledger).
CREATE OR REPLACE VIEW xb_usage_by_tenant AS
    SELECT month, tenant, sum(packets)::bigint AS packets,
           sum(bytes)::bigint AS bytes
    FROM xb_ledger GROUP BY month, tenant;

INSERT INTO xb_schema (version)
    SELECT 1 WHERE NOT EXISTS (SELECT 1 FROM xb_schema WHERE version = 1);
