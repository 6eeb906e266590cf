/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The compiled bpf/xsk_redirect.bpf.c, linked into hafwd as data. */
	.section .rodata
	.balign 8
	.global hf_xsk_bpf_obj
hf_xsk_bpf_obj:
	.incbin HF_BPF_OBJ
hf_xsk_bpf_obj_end:
	.balign 8
	.global hf_xsk_bpf_obj_size
hf_xsk_bpf_obj_size:
	.quad hf_xsk_bpf_obj_end - hf_xsk_bpf_obj
	.section .note.GNU-stack,"",@progbits
