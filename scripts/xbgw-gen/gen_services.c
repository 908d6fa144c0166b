/* SPDX-License-Identifier: BSD-3-Clause */
/* The sample's services and the --names list; see gen_services.h. */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "gen_common.h"
#include "gen_services.h"

const struct service services[] = {
	/* finance */
	{"www.dbs.com.sg", "SG", 6, 2, K_TLS},
	{"internet-banking.dbs.com.sg", "SG", 3, 2, K_TLS},
	{"www.maybank2u.com.my", "MY", 4, 2, K_TLS},
	{"ibank.klikbca.com", "ID", 4, 2, K_TLS},
	{"www.kasikornbank.com", "TH", 3, 2, K_TLS},
	{"www.vietcombank.com.vn", "VN", 3, 2, K_TLS},
	{"online.bdo.com.ph", "PH", 3, 2, K_TLS},
	{"m.gcash.com", "PH", 3, 1, K_TLS},
	{"www.paypal.com", "US", 2, 2, K_TLS},
	/* personal data, health, maps, government */
	{"www.singpass.gov.sg", "SG", 2, 1, K_TLS},
	{"www.halodoc.com", "ID", 2, 2, K_TLS},
	{"www.healthhub.sg", "SG", 2, 2, K_TLS},
	{"maps.google.com", "SG", 4, 3, K_TLS | K_QUIC},
	{"api.mapbox.com", "US", 1, 3, K_TLS},
	{"www.mof.gov.kh", "KH", 2, 1, K_TLS | K_HTTP},
	{"www.moh.gov.bn", "BN", 1, 1, K_TLS | K_HTTP},
	{"www.mofa.gov.la", "LA", 1, 1, K_HTTP},
	{"www.mofa.gov.mm", "MM", 1, 1, K_TLS | K_HTTP},
	/* e-commerce, logistics */
	{"shopee.co.id", "ID", 6, 4, K_TLS},
	{"www.lazada.co.th", "TH", 5, 4, K_TLS},
	{"shopee.com.my", "MY", 4, 4, K_TLS},
	{"tiki.vn", "VN", 3, 3, K_TLS | K_HTTP},
	{"www.tokopedia.com", "ID", 4, 4, K_TLS},
	{"shopee.ph", "PH", 3, 4, K_TLS},
	{"grab.com", "SG", 5, 2, K_TLS},
	{"api.grab.com", "SG", 3, 1, K_TLS},
	{"www.gojek.com", "ID", 3, 2, K_TLS},
	{"www.ninjavan.co", "SG", 1, 1, K_TLS},
	/* media, music, social */
	{"www.youtube.com", "SG", 6, 9, K_TLS | K_QUIC},
	{"www.netflix.com", "SG", 4, 9, K_TLS},
	{"www.viu.com", "SG", 2, 8, K_TLS},
	{"www.vidio.com", "ID", 2, 8, K_TLS},
	{"open.spotify.com", "SG", 2, 5, K_TLS},
	{"www.joox.com", "TH", 1, 5, K_TLS},
	{"www.facebook.com", "SG", 4, 4, K_TLS | K_QUIC},
	{"line.me", "TH", 3, 2, K_TLS},
	{"chat.zalo.me", "VN", 2, 2, K_TLS},
	{"web.whatsapp.com", "SG", 2, 2, K_TLS},
	{"www.tiktok.com", "SG", 3, 7, K_TLS},
	/* cloud, collaboration, other */
	{"drive.google.com", "SG", 4, 6, K_TLS | K_QUIC},
	{"www.dropbox.com", "US", 1, 6, K_TLS},
	{"onedrive.live.com", "SG", 2, 6, K_TLS},
	{"zoom.us", "US", 2, 5, K_TLS},
	{"www.garena.com", "SG", 1, 3, K_TLS},
	{"vnexpress.net", "VN", 2, 3, K_TLS | K_HTTP},
	/* outside ASEAN */
	{"www.taobao.com", "CN", 3, 4, K_TLS},
	{"www.iqiyi.com", "CN", 2, 8, K_TLS | K_HTTP},
	{"www.amazon.com", "US", 3, 4, K_TLS},
	{"www.bloomberg.com", "US", 1, 3, K_TLS},
	{"www.yahoo.co.jp", "JP", 2, 3, K_TLS | K_HTTP},
};
_Static_assert(sizeof(services) / sizeof(services[0]) == NSERVICES,
	       "NSERVICES is the length of services[]");

int
service_names_load(const char *file, char ***names, size_t *n)
{
	if (file == NULL) {
		*n = NSERVICES;
		*names = xrealloc(NULL, NSERVICES * sizeof(char *));
		for (size_t i = 0; i < NSERVICES; i++)
			(*names)[i] = (char *)services[i].name;
		return 0;
	}
	FILE *f = fopen(file, "r");
	char line[512];
	unsigned int ln = 0;

	if (f == NULL) {
		fprintf(stderr, "xbgw-gen: %s: %s\n", file, strerror(errno));
		return -1;
	}
	while (fgets(line, sizeof(line), f) != NULL) {
		char *s = line, *e;

		ln++;
		while (isspace((unsigned char)*s))
			s++;
		e = s + strlen(s);
		while (e > s && isspace((unsigned char)e[-1]))
			*--e = '\0';
		if (*s == '\0' || *s == '#')
			continue;
		if (strlen(s) > 253) {
			fprintf(stderr,
				"%s:%u: name too long (got %zu characters, expected at most 253)\n",
				file, ln, strlen(s));
			fclose(f);
			return -1;
		}
		*names = xrealloc(*names, (*n + 1) * sizeof(char *));
		(*names)[(*n)++] = strdup(s);
	}
	fclose(f);
	if (*n == 0) {
		fprintf(stderr, "xbgw-gen: %s: no names\n", file);
		return -1;
	}
	return 0;
}
