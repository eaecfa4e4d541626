"""Tiny randomly initialised causal LMs of real architectures, with a tokenizer trained
offline here, saved as Hugging Face checkpoint folders (safetensors)."""

from __future__ import annotations

from pathlib import Path

CORPUS = [
    "The patient reported chest pain and shortness of breath after climbing stairs.",
    "Quarterly revenue grew by twelve percent while costs stayed flat across regions.",
    "Photosynthesis converts light energy into chemical energy stored in glucose.",
    "Le médecin a prescrit un traitement de deux semaines. Größe, Übung, naïve café.",
    "Numbers like 3.14159, 2026 and 42 appear in tables, reports and papers.",
    "User: what is the capital of France? Assistant: Paris is the capital of France.",
] * 20


def train_tokenizer(folder: Path, vocab_size: int = 400):
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast

    tok = Tokenizer(models.BPE(unk_token=None))
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(vocab_size=vocab_size, special_tokens=["<|endoftext|>"],
                                  initial_alphabet=pre_tokenizers.ByteLevel.alphabet())
    tok.train_from_iterator(CORPUS, trainer)
    fast = PreTrainedTokenizerFast(tokenizer_object=tok, eos_token="<|endoftext|>",
                                   bos_token="<|endoftext|>")
    fast.save_pretrained(str(folder))
    return fast


def tiny_model(arch: str, folder: Path, seed: int = 0):
    """Save a tiny random `arch` (llama | qwen2 | phi3 | gemma | gpt2) model and tokenizer to `folder`."""
    import torch
    from transformers import (
        AutoModelForCausalLM,
        GemmaConfig,
        GPT2Config,
        LlamaConfig,
        Phi3Config,
        Qwen2Config,
    )

    folder.mkdir(parents=True, exist_ok=True)
    tokenizer = train_tokenizer(folder)
    vocab = len(tokenizer)
    eos = tokenizer.eos_token_id
    common = dict(vocab_size=vocab, bos_token_id=eos, eos_token_id=eos, initializer_range=0.3)
    if arch == "llama":
        config = LlamaConfig(hidden_size=64, intermediate_size=128, num_hidden_layers=2,
                             num_attention_heads=4, num_key_value_heads=2,
                             max_position_embeddings=256, rope_theta=10000.0,
                             tie_word_embeddings=False, **common)
    elif arch == "qwen2":
        config = Qwen2Config(hidden_size=64, intermediate_size=128, num_hidden_layers=2,
                             num_attention_heads=4, num_key_value_heads=1,
                             max_position_embeddings=256, tie_word_embeddings=True, **common)
    elif arch == "phi3":
        config = Phi3Config(hidden_size=64, intermediate_size=128, num_hidden_layers=2,
                            num_attention_heads=4, num_key_value_heads=2,
                            max_position_embeddings=256, original_max_position_embeddings=256,
                            pad_token_id=eos, tie_word_embeddings=False, **common)
    elif arch == "gemma":
        config = GemmaConfig(hidden_size=64, intermediate_size=128, num_hidden_layers=2,
                             num_attention_heads=4, num_key_value_heads=1, head_dim=32,
                             max_position_embeddings=256, pad_token_id=eos, **common)
    elif arch == "gpt2":
        config = GPT2Config(n_embd=64, n_layer=2, n_head=4, n_positions=256, **common)
    else:
        raise ValueError(arch)
    torch.manual_seed(seed)
    model = AutoModelForCausalLM.from_config(config, attn_implementation="eager").eval()
    with torch.no_grad():
        for name, param in model.named_parameters():
            if "norm" in name:  # norms start at one (Gemma: zero): make their weights matter
                param.normal_(0.0 if arch == "gemma" else 1.0, 0.2)
    if arch == "qwen2":  # biases start at zero: make them matter
        with torch.no_grad():
            for layer in model.model.layers:
                for proj in (layer.self_attn.q_proj, layer.self_attn.k_proj, layer.self_attn.v_proj):
                    proj.bias.normal_(0, 0.3)
    model.save_pretrained(str(folder), safe_serialization=True)
    return model, tokenizer
