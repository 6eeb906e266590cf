// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test_firewall.c - fwd/firewall.h on a fake worker: the policy decides
 * a flow's first packet, the session carries the rest both ways, and
 * each refusal has its own counter. Packets are built byte by byte.
 *
 * Zones: inside = port 0, outside = port 1, port 2 in no zone.
 * Policy: rule "out" inside -> outside allow, rule "dns-in" outside ->
 * inside UDP port 53 allow, default deny.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "dp_fixture.h"
#include "common/time.h"
#include "fwd/firewall.h"
#include "fwd/policy.h"
#include "fwd/session.h"
#include "fwd/worker.h"
#include "pkt/csum.h"

#include <linux/if_xdp.h>

#define NFRAMES	64
#define IN	0
#define OUT	1
#define A	IP(198, 18, 1, 2)
#define B	IP(198, 19, 0, 1)

#define SYN	0x02
#define ACK	0x10
#define FIN	0x01
#define RST	0x04

struct fx {
	struct hf_config cfg;
	struct hf_dataplane dp;
	struct hf_worker *w;
	struct hf_cfg_rule rules[2];
	char err[256];
};

static struct fx *F;

static int fx_setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	struct hf_cfg_policy pc = { .present = true, .nzones = 2 };
	struct hf_worker *w;
	uint32_t i;

	if (!f || fixture_dp_init(&f->cfg, &f->dp, 64, 16, f->err,
				  sizeof(f->err)))
		return -1;
	strcpy(pc.zone[0].name, "inside");
	pc.zone[0].ports = 1u << IN;
	strcpy(pc.zone[1].name, "outside");
	pc.zone[1].ports = 1u << OUT;
	f->rules[0] = (struct hf_cfg_rule){ .name = "out", .from_zone = 1,
		.to_zone = 2, .proto = HF_PROTO_ANY, .dport_hi = 65535,
		.allow = true };
	f->rules[1] = (struct hf_cfg_rule){ .name = "dns-in", .from_zone = 2,
		.to_zone = 1, .proto = 17, .has_dport = true, .dport_lo = 53,
		.dport_hi = 53, .allow = true };
	pc.rule = f->rules;
	pc.nrules = 2;
	f->dp.policy = hf_policy_compile(&pc, 1, f->err, sizeof(f->err));
	w = aligned_alloc(HF_CACHELINE, (sizeof(*w) + HF_CACHELINE - 1) &
					~(size_t)(HF_CACHELINE - 1));
	if (!f->dp.policy || !w)
		return -1;
	memset(w, 0, sizeof(*w));
	w->dp = &f->dp;
	w->umem.size = (uint64_t)NFRAMES * HF_FRAME_SIZE;
	w->umem.area = aligned_alloc(4096, w->umem.size);
	w->umem.nframes = NFRAMES;
	w->umem.free = calloc(NFRAMES, sizeof(*w->umem.free));
	if (!w->umem.area || !w->umem.free) {
		free(w->umem.area);
		free(w->umem.free);
		free(w);
		return -1;
	}
	for (i = NFRAMES - 1; i >= 1; i--)
		w->umem.free[w->umem.nfree++] = (uint64_t)i * HF_FRAME_SIZE;
	w->now_ns = 1000 * HF_NSEC_PER_SEC;
	f->w = w;
	F = f;
	*state = f;
	return 0;
}

static int fx_teardown(void **state)
{
	struct fx *f = *state;

	urcu_qsbr_thread_offline();
	hf_sess_clear(f->dp.sessions, NULL, NULL);
	urcu_qsbr_thread_online();
	free(f->w->umem.area);
	free(f->w->umem.free);
	free(f->w);
	fixture_dp_fini(&f->dp);
	free(f);
	return 0;
}

/* ---- packets ---- */

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v)
{
	put16(p, (uint16_t)(v >> 16));
	put16(p + 2, (uint16_t)v);
}

struct pkt {
	uint8_t b[128];
	uint32_t len;
};

static struct pkt ip4(uint32_t s, uint32_t d, uint8_t proto, uint16_t frag)
{
	struct pkt p;

	memset(&p, 0, sizeof(p));
	p.b[0] = 0x45;
	put16(p.b + 6, frag);
	p.b[8] = 64;
	p.b[9] = proto;
	put32(p.b + 12, s);
	put32(p.b + 16, d);
	p.len = 20;
	return p;
}

static struct pkt tcp(uint32_t s, uint32_t d, uint16_t sp, uint16_t dp,
		      uint8_t flags)
{
	struct pkt p = ip4(s, d, 6, 0);

	put16(p.b + 20, sp);
	put16(p.b + 22, dp);
	p.b[32] = 5 << 4;
	p.b[33] = flags;
	p.len = 40;
	return p;
}

static struct pkt udp(uint32_t s, uint32_t d, uint16_t sp, uint16_t dp)
{
	struct pkt p = ip4(s, d, 17, 0);

	put16(p.b + 20, sp);
	put16(p.b + 22, dp);
	put16(p.b + 24, 8);
	p.len = 28;
	return p;
}

static struct pkt icmp(uint32_t s, uint32_t d, uint8_t type, uint16_t id)
{
	struct pkt p = ip4(s, d, 1, 0);

	p.b[20] = type;
	put16(p.b + 24, id);
	p.len = 28;
	return p;
}

/* ICMP @type from @s to @d quoting the first 28 bytes of @q. */
static struct pkt icmp_error(uint32_t s, uint32_t d, uint8_t type,
			     const struct pkt *q)
{
	struct pkt p = ip4(s, d, 1, 0);

	p.b[20] = type;
	memcpy(p.b + 28, q->b, 28);
	p.len = 56;
	return p;
}

static uint64_t cnt(enum hf_counter c)
{
	return F->w->stats.c[c];
}

/* Offer @p to the firewall as routed from @in to @out. */
static bool offer(struct pkt pk, uint16_t in, uint16_t out)
{
	const struct pkt *p = &pk;
	struct hf_worker *w = F->w;
	uint64_t f = hf_frame_alloc(&w->umem);
	uint32_t nfree = w->umem.nfree;
	uint8_t *ip;
	bool ok;

	assert_true(f != 0);
	ip = hf_umem_ptr(&w->umem, f + HF_ETH_HLEN);
	memcpy(ip, p->b, p->len);
	put16(ip + 2, (uint16_t)p->len);
	ok = hf_firewall(w, F->dp.policy, in, out, (struct hf_ipv4 *)ip,
			 p->len, f + HF_ETH_HLEN);
	if (ok)
		hf_frame_free(&w->umem, f);
	else
		assert_int_equal(w->umem.nfree, nfree + 1);	/* freed */
	w->now_ns += HF_NSEC_PER_MSEC * 2;
	return ok;
}

static struct hf_session *find(struct pkt pk, uint8_t zone,
			       enum hf_dir *dir)
{
	const struct pkt *p = &pk;
	struct hf_sess_key k = {
		.saddr = IP(p->b[12], p->b[13], p->b[14], p->b[15]),
		.daddr = IP(p->b[16], p->b[17], p->b[18], p->b[19]),
		.proto = p->b[9], .zone = zone,
	};

	if (k.proto == 6 || k.proto == 17) {
		k.sport = (uint16_t)(p->b[20] << 8 | p->b[21]);
		k.dport = (uint16_t)(p->b[22] << 8 | p->b[23]);
	} else if (k.proto == 1 && p->b[20] == 8) {
		k.sport = (uint16_t)(p->b[24] << 8 | p->b[25]);	/* echo id */
	}
	return hf_sess_lookup(F->dp.sessions, &k, dir);
}

/* ---- tests ---- */

static void test_tcp_life(void **state)
{
	struct pkt syn = tcp(A, B, 40000, 443, SYN);
	struct hf_session *s;
	enum hf_dir dir;

	(void)state;
	assert_true(offer(syn, IN, OUT));
	assert_int_equal(cnt(HF_CNT_sessions_created), 1);
	s = find(syn, 1, &dir);
	assert_non_null(s);
	assert_int_equal(dir, HF_DIR_ORIG);
	assert_int_equal(s->state, HF_TCP_SYN_SENT);
	assert_int_equal(s->rule, 0);
	assert_int_equal(s->port[HF_DIR_ORIG], IN);
	assert_int_equal(s->port[HF_DIR_REPLY], OUT);
	assert_int_equal(hf_policy_hits(F->dp.policy, 0), 1);
	assert_true(offer(tcp(B, A, 443, 40000, SYN | ACK), OUT, IN));
	assert_int_equal(s->state, HF_TCP_SYN_RECV);
	assert_true(offer(tcp(A, B, 40000, 443, ACK), IN, OUT));
	assert_int_equal(s->state, HF_TCP_ESTABLISHED);
	assert_true(offer(tcp(B, A, 443, 40000, ACK), OUT, IN));
	assert_true(offer(tcp(A, B, 40000, 443, FIN | ACK), IN, OUT));
	assert_int_equal(s->state, HF_TCP_FIN_ORIG);
	assert_true(offer(tcp(B, A, 443, 40000, FIN | ACK), OUT, IN));
	assert_int_equal(s->state, HF_TCP_TIME_WAIT);
	assert_true(s->flags & HF_SESS_REPLIED);
	/* the one policy hit was the SYN; the rest went by session */
	assert_int_equal(hf_policy_hits(F->dp.policy, 0), 1);
	assert_int_equal(cnt(HF_CNT_sessions_created), 1);
	assert_int_equal(s->pkts[HF_DIR_REPLY], 3);
	assert_true(s->pkts[HF_DIR_ORIG] >= 3);
	assert_int_equal(s->bytes[HF_DIR_REPLY], 3 * 40);
}

static void test_refusals(void **state)
{
	struct hf_session *s;
	enum hf_dir dir;

	(void)state;
	/* inbound SYN: default deny */
	assert_false(offer(tcp(B, A, 5555, 22, SYN), OUT, IN));
	assert_int_equal(cnt(HF_CNT_drop_policy_deny), 1);
	assert_int_equal(hf_policy_hits(F->dp.policy, HF_RULE_DEFAULT), 1);
	/* inbound DNS: rule 2 */
	assert_true(offer(udp(B, A, 5353, 53), OUT, IN));
	assert_int_equal(hf_policy_hits(F->dp.policy, 1), 1);
	/* port 2 is in no zone: only "any" rules could match it */
	assert_false(offer(udp(A, B, 1, 2), 2, OUT));
	assert_int_equal(cnt(HF_CNT_drop_policy_deny), 2);
	/* mid-stream TCP, impossible flags */
	assert_false(offer(tcp(A, B, 4001, 80, ACK), IN, OUT));
	assert_int_equal(cnt(HF_CNT_drop_tcp_no_session), 1);
	assert_false(offer(tcp(A, B, 4002, 80, SYN | FIN), IN, OUT));
	assert_false(offer(tcp(A, B, 4003, 80, FIN), IN, OUT));
	assert_int_equal(cnt(HF_CNT_drop_tcp_bad_flags), 2);
	/* a SYN from the reply side of an established session */
	assert_true(offer(tcp(A, B, 4004, 80, SYN), IN, OUT));
	assert_true(offer(tcp(B, A, 80, 4004, SYN | ACK), OUT, IN));
	assert_true(offer(tcp(A, B, 4004, 80, ACK), IN, OUT));
	assert_false(offer(tcp(B, A, 80, 4004, SYN), OUT, IN));
	assert_int_equal(cnt(HF_CNT_drop_tcp_bad_state), 1);
	s = find(tcp(A, B, 4004, 80, 0), 1, &dir);
	assert_non_null(s);
	assert_int_equal(s->state, HF_TCP_ESTABLISHED);
	/* an RST closes it */
	assert_true(offer(tcp(B, A, 80, 4004, RST), OUT, IN));
	assert_int_equal(s->state, HF_TCP_CLOSED);
	/* a later fragment, a truncated UDP header */
	assert_false(offer(ip4(A, B, 17, 0x0010), IN, OUT));
	assert_int_equal(cnt(HF_CNT_drop_fw_fragment), 1);
	{
		struct pkt p = udp(A, B, 1, 2);

		p.len = 25;
		assert_false(offer(p, IN, OUT));
	}
	assert_int_equal(cnt(HF_CNT_drop_l4_truncated), 1);
}

static void test_icmp(void **state)
{
	struct pkt req = icmp(A, B, 8, 0x77), probe = udp(A, B, 33434, 33435);
	struct hf_session *s;
	enum hf_dir dir;

	(void)state;
	assert_true(offer(req, IN, OUT));
	assert_true(offer(icmp(B, A, 0, 0x77), OUT, IN));
	s = find(req, 1, &dir);
	assert_non_null(s);
	assert_int_equal(s->pkts[HF_DIR_REPLY], 1);
	/* a reply nobody asked for */
	assert_false(offer(icmp(B, A, 0, 0x78), OUT, IN));
	assert_int_equal(cnt(HF_CNT_drop_no_session), 1);
	/* errors about our probe come back; about others they do not */
	assert_true(offer(probe, IN, OUT));
	assert_true(offer(icmp_error(IP(198, 18, 2, 9), A, 11,
						  &probe), OUT, IN));
	assert_int_equal(cnt(HF_CNT_fw_related), 1);
	probe = udp(A, B, 33434, 40000);
	assert_false(offer(icmp_error(IP(198, 18, 2, 9), A, 3,
						   &probe), OUT, IN));
	assert_int_equal(cnt(HF_CNT_drop_no_session), 2);
	/* an error about the echo request */
	assert_true(offer(icmp_error(IP(198, 18, 2, 9), A, 11,
						  &req), OUT, IN));
	assert_int_equal(cnt(HF_CNT_fw_related), 2);
	assert_int_equal(cnt(HF_CNT_sessions_created), 2);
}

static void test_table_full_and_loose(void **state)
{
	struct hf_sess_params sp = *hf_sess_params_of(F->dp.sessions);
	int i;

	(void)state;
	hf_sess_table_destroy(F->dp.sessions);
	sp.max = 16;
	assert_int_equal(hf_sess_table_create(&F->dp.sessions, &sp), 0);
	for (i = 0; i < 16; i++)
		assert_true(offer(udp(A, B, (uint16_t)(1000 + i), 53),
				  IN, OUT));
	assert_false(offer(udp(A, B, 2000, 53), IN, OUT));
	assert_int_equal(cnt(HF_CNT_drop_session_full), 1);
	/* established flows are unaffected */
	assert_true(offer(udp(A, B, 1003, 53), IN, OUT));
	assert_true(offer(udp(B, A, 53, 1003), OUT, IN));
	assert_int_equal(cnt(HF_CNT_sessions_created), 16);

	urcu_qsbr_thread_offline();
	assert_int_equal(hf_sess_clear(F->dp.sessions, NULL, NULL), 16);
	urcu_qsbr_thread_online();
	F->cfg.tcp_loose_pickup = 1;
	assert_true(offer(tcp(A, B, 4100, 80, ACK), IN, OUT));
	{
		enum hf_dir dir;
		struct hf_session *s = find(tcp(A, B, 4100, 80, 0),
					    1, &dir);

		assert_non_null(s);
		assert_int_equal(s->state, HF_TCP_ESTABLISHED);
	}
	/* loose pickup never opens from an RST or a SYN-ACK */
	assert_false(offer(tcp(A, B, 4101, 80, RST), IN, OUT));
	assert_false(offer(tcp(A, B, 4102, 80, SYN | ACK), IN, OUT));
	assert_int_equal(cnt(HF_CNT_drop_tcp_no_session), 2);
	F->cfg.tcp_loose_pickup = 0;
}

/* Put @pk in a fresh frame as a whole Ethernet/IPv4 frame (checksum
 * right, as hf_firewall_ahead parses it), describe it in @d. */
static void frame_of(struct pkt pk, struct xdp_desc *d)
{
	struct hf_worker *w = F->w;
	uint64_t f = hf_frame_alloc(&w->umem);
	uint8_t *e, *ip;

	assert_true(f != 0);
	e = hf_umem_ptr(&w->umem, f);
	memset(e, 0, HF_ETH_HLEN);
	put16(e + 12, HF_ETH_P_IPV4);
	ip = e + HF_ETH_HLEN;
	memcpy(ip, pk.b, pk.len);
	put16(ip + 2, (uint16_t)pk.len);
	put16(ip + 10, 0);
	put16(ip + 10, ntohs(hf_csum(ip, 20)));
	d->addr = f;
	d->len = HF_ETH_HLEN + pk.len;
	d->options = 0;
}

/* What the pipeline does with a burst from @in: lookahead, then each
 * frame in turn. Returns a bitmask of the frames let through. */
static uint32_t offer_burst(const struct pkt *pk, uint32_t n, uint16_t in,
			    uint16_t out, const struct hf_session **ahead)
{
	struct hf_worker *w = F->w;
	struct xdp_desc d[16];
	uint32_t i, passed = 0;

	assert_true(n <= 16);
	for (i = 0; i < n; i++)
		frame_of(pk[i], &d[i]);
	hf_firewall_ahead(w, F->dp.policy, in, d, n);
	for (i = 0; i < n; i++) {
		uint64_t ip = d[i].addr + HF_ETH_HLEN;

		ahead[i] = w->fw_ahead.e[i].s;
		w->fw_ahead.pos = i;
		if (hf_firewall(w, F->dp.policy, in, out,
				(struct hf_ipv4 *)hf_umem_ptr(&w->umem, ip),
				pk[i].len, ip)) {
			passed |= 1u << i;
			hf_frame_free(&w->umem, d[i].addr);
		}
	}
	w->fw_ahead.n = 0;
	return passed;
}

/* A burst is looked up ahead of time; frames of a flow the burst itself
 * opens still find the session its first frame made, and refusals are
 * the same as frame by frame. */
static void test_burst_lookahead(void **state)
{
	struct pkt known = udp(A, B, 5000, 53), fresh = udp(A, B, 5001, 53);
	const struct pkt burst[] = {
		known, fresh, fresh, tcp(A, B, 6000, 80, SYN | FIN),
		tcp(A, B, 6001, 80, ACK), fresh,
	};
	const struct hf_session *ahead[16];
	struct hf_session *sk, *sf;
	enum hf_dir dir;
	uint32_t passed;

	(void)state;
	assert_true(offer(known, IN, OUT));
	sk = find(known, 1, &dir);
	assert_non_null(sk);
	passed = offer_burst(burst, 6, IN, OUT, ahead);
	assert_int_equal(passed, 0x27);	/* frames 0, 1, 2, 5 */
	/* found before the burst: the known flow only */
	assert_ptr_equal(ahead[0], sk);
	assert_null(ahead[1]);
	assert_null(ahead[2]);
	sf = find(fresh, 1, &dir);
	assert_non_null(sf);
	assert_int_equal(sf->pkts[HF_DIR_ORIG], 3);
	assert_int_equal(sk->pkts[HF_DIR_ORIG], 2);
	assert_int_equal(cnt(HF_CNT_sessions_created), 2);
	assert_int_equal(cnt(HF_CNT_session_raced), 0);
	assert_int_equal(cnt(HF_CNT_drop_tcp_bad_flags), 1);
	assert_int_equal(cnt(HF_CNT_drop_tcp_no_session), 1);
	/* the replies, a burst of their own from the other side */
	{
		const struct pkt back[] = { udp(B, A, 53, 5001),
					    udp(B, A, 53, 5000),
					    udp(B, A, 53, 5002) };

		passed = offer_burst(back, 3, OUT, IN, ahead);
		assert_int_equal(passed, 0x3);
		assert_ptr_equal(ahead[0], sf);
		assert_ptr_equal(ahead[1], sk);
		assert_int_equal(sf->pkts[HF_DIR_REPLY], 1);
		assert_int_equal(cnt(HF_CNT_drop_policy_deny), 1);
	}
	/* a frame that is not the one the lookahead holds at this position
	 * (or after the burst) is looked up on its own */
	F->w->fw_ahead.pos = 0;
	assert_true(offer(fresh, IN, OUT));
	assert_int_equal(sf->pkts[HF_DIR_ORIG], 4);
	assert_int_equal(cnt(HF_CNT_sessions_created), 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_tcp_life, fx_setup,
						fx_teardown),
		cmocka_unit_test_setup_teardown(test_refusals, fx_setup,
						fx_teardown),
		cmocka_unit_test_setup_teardown(test_icmp, fx_setup,
						fx_teardown),
		cmocka_unit_test_setup_teardown(test_table_full_and_loose,
						fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_burst_lookahead,
						fx_setup, fx_teardown),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
