tcg
