#ifndef MISTSWIFT_CSRTP_SHIM_H
#define MISTSWIFT_CSRTP_SHIM_H
#include <string.h>
#include <srtp2/srtp.h>

// The profile WebRTC peers all offer (RFC 5764 SRTP_AES128_CM_HMAC_SHA1_80), set on both the
// RTP and RTCP halves of a policy; the setters are functions, but the policy's layout has unions
// Swift reaches awkwardly, so the whole policy is filled here.
static inline srtp_err_status_t mist_srtp_create_aes128_sha1_80(srtp_t *session, const unsigned char *keyAndSalt,
                                                                int inbound) {
    srtp_policy_t policy;
    memset(&policy, 0, sizeof(policy));
    srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(&policy.rtp);
    srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(&policy.rtcp);
    policy.ssrc.type = inbound ? ssrc_any_inbound : ssrc_any_outbound;
    policy.key = (unsigned char *)keyAndSalt;
    // Retransmissions (NACK answers) resend a sequence number already protected once.
    policy.allow_repeat_tx = 1;
    policy.window_size = 1024;
    policy.next = NULL;
    return srtp_create(session, &policy);
}
#endif
