"""Data: the file hub (local copy, cache or download) and the data set loaders."""
from .hub import DATA_HUB, DataError, DataFile, cache_dir, data_dir, fetch, sha256sum
from .mnist import (FASHION_MNIST_LABELS, get_fashion_mnist_labels, load_data_fashion_mnist,
                    load_data_mnist, load_data_mnist_validation, read_idx, read_mnist,
                    train_validation_split)
from .synthetic import load_array, synthetic_data
from .poetry import (FORMS, Poem, PoemError, clean_lines, load_tang_poems, poem_form, poem_text,
                     poems_from_records, read_poetry_json, to_simplified)
