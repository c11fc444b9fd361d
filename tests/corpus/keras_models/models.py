"""A corpus of public Keras `Sequential` models, re-typed as small builders (test material).

Each entry of `MODELS` (name -> CorpusModel) holds:
  build()   -> the keras.Sequential with the source's layers and options, compiled as the source
               compiles it (loss with its options, metrics, optimizer), or left uncompiled where the
               source never compiles that model. Call it inside `reference_keras.floatx("float64")`
               (and after `keras.utils.set_random_seed(...)`) for seeded float64 weights.
  source    the public repository, the file, the commit read, its licence and where in the file.
  split     "development" or "held-out" (`HELD_OUT`, drawn by `draw_held_out()`; see README.md).
  sequence  True for models with Embedding / recurrent / 1-D convolution layers (issue 23).
  scaled    how the model was made smaller than the source's (input size, units, sequence
            length), or None when it is the source's size.
  notes     what the builder had to decide that the source leaves open (an input shape given by
            the data the source fits, hyperparameter defaults, a loss taken from a custom loop).

Where the source writes `input_shape=` on the first layer (or `InputLayer`), the builder starts
with `keras.Input(shape)`, which is the same model. Preprocessing layers that take strings
(`TextVectorization`) are left out and the model starts at their integer output (noted).
Nothing here is the sources' code: these are short model definitions typed again from reading
them, with the source recorded per model.
"""
import random
from dataclasses import dataclass
from typing import Callable

import numpy as np

from reference_keras import keras, tf

L = keras.layers

SPLIT_SEED = 22
HELD_OUT_FRACTION = 0.3


@dataclass(frozen=True)
class Source:
    repo: str
    path: str
    commit: str
    licence: str
    where: str

    @property
    def url(self):
        return f"https://github.com/{self.repo}/blob/{self.commit}/{self.path}"


@dataclass(frozen=True)
class CorpusModel:
    name: str
    build: Callable
    source: Source
    sequence: bool
    scaled: str | None
    notes: str

    @property
    def split(self):
        return "held-out" if self.name in HELD_OUT else "development"


# repository -> (commit read, licence)
_REPOS = {
    "keras-team/keras-io": (None, "Apache-2.0"),  # commit per file: the version read_file returned
    "tensorflow/docs": ("7c3650212740204359d4ceae481abc79345541be", "Apache-2.0"),
    "ageron/handson-ml3": ("e3f3f9e66d58cfa1d068a498433063a1d3fba9ef", "Apache-2.0"),
    "fchollet/deep-learning-with-python-notebooks": ("dea84a4e12cc3bb3cb61ce952a0168bca113d315", "MIT"),
    "https-deeplearning-ai/tensorflow-1-public": ("025abb3e6bd63c63b65d6133286e2d033c9c7da4", "Apache-2.0"),
    "aamini/introtodeeplearning": ("fd8023c7804bd352fc7212ac3aa587bd90912653", "MIT"),
    "course text 004 (/work/shared/seeds)": ("004_637162c46879800a", "not stated (course material)"),
}

MODELS = {}


def _model(name, repo, path, where, commit=None, sequence=False, scaled=None, notes=""):
    default_commit, licence = _REPOS[repo]
    source = Source(repo, path, commit or default_commit, licence, where)

    def register(build):
        if name in MODELS:
            raise ValueError(f"duplicate corpus model {name!r}")
        MODELS[name] = CorpusModel(name, build, source, sequence, scaled, notes)
        return build
    return register


def _adapted_normalization(n_features, seed=0, **options):
    """A Normalization layer adapted on seeded data standing in for the source's training set."""
    layer = L.Normalization(**options)
    rng = np.random.default_rng(seed)
    layer.adapt(rng.normal(2.0, 3.0, size=(256, *n_features)))
    return layer


# == keras-team/keras-io ==========================================================================
KIO = "keras-team/keras-io"


@_model("kio_sequential_guide_dense", KIO, "guides/sequential_model.py", "first `keras.Sequential`",
        commit="0a57de48c864d63b80083820e8988368ee5c3149",
        notes="input (3,) from the guide's `tf.ones((3, 3))`; never compiled")
def kio_sequential_guide_dense():
    return keras.Sequential([keras.Input((3,)), L.Dense(2, activation="relu", name="layer1"),
                             L.Dense(3, activation="relu", name="layer2"), L.Dense(4, name="layer3")])


@_model("kio_sequential_guide_convnet", KIO, "guides/sequential_model.py", "the add() + summary() convnet",
        commit="0a57de48c864d63b80083820e8988368ee5c3149", scaled="input 250x250x3 -> 144x144x3",
        notes="never compiled")
def kio_sequential_guide_convnet():
    return keras.Sequential([
        keras.Input((144, 144, 3)), L.Conv2D(32, 5, strides=2, activation="relu"),
        L.Conv2D(32, 3, activation="relu"), L.MaxPooling2D(3),
        L.Conv2D(32, 3, activation="relu"), L.Conv2D(32, 3, activation="relu"), L.MaxPooling2D(3),
        L.Conv2D(32, 3, activation="relu"), L.Conv2D(32, 3, activation="relu"), L.MaxPooling2D(2),
        L.GlobalMaxPooling2D(), L.Dense(10)])


@_model("kio_sequential_guide_frozen_base", KIO, "guides/sequential_model.py",
        "transfer-learning blueprint: freeze all layers except the last one",
        commit="0a57de48c864d63b80083820e8988368ee5c3149", notes="compile(...) left open in the guide")
def kio_sequential_guide_frozen_base():
    model = keras.Sequential([keras.Input((784,)), L.Dense(32, activation="relu"), L.Dense(32, activation="relu"),
                              L.Dense(32, activation="relu"), L.Dense(10)])
    for layer in model.layers[:-1]:
        layer.trainable = False
    return model


@_model("kio_transfer_frozen_first_layer", KIO, "guides/transfer_learning.py",
        "'Make a model with 2 layers' / Freeze the first layer", commit="0a57de48c864d63b80083820e8988368ee5c3149")
def kio_transfer_frozen_first_layer():
    layer1 = L.Dense(3, activation="relu")
    model = keras.Sequential([keras.Input((3,)), layer1, L.Dense(3, activation="sigmoid")])
    layer1.trainable = False
    model.compile(optimizer="adam", loss="mse")
    return model


@_model("kio_transfer_frozen_nested", KIO, "guides/transfer_learning.py",
        "Recursive setting of the `trainable` attribute", commit="0a57de48c864d63b80083820e8988368ee5c3149",
        notes="never compiled")
def kio_transfer_frozen_nested():
    inner = keras.Sequential([keras.Input((3,)), L.Dense(3, activation="relu"), L.Dense(3, activation="relu")])
    model = keras.Sequential([keras.Input((3,)), inner, L.Dense(3, activation="sigmoid")])
    model.trainable = False
    return model


@_model("kio_callbacks_linear", KIO, "guides/writing_your_own_callbacks.py", "get_model()",
        commit="040e8ba4b4bf32ba42d56130fd0f793bec57d097")
def kio_callbacks_linear():
    model = keras.Sequential([keras.Input((784,)), L.Dense(1)])
    model.compile(optimizer=keras.optimizers.RMSprop(learning_rate=0.1), loss="mean_squared_error",
                  metrics=["mean_absolute_error"])
    return model


@_model("kio_mnist_convnet", KIO, "examples/vision/mnist_convnet.py", "Build the model",
        commit="02cfe8063b505adc073986c91729f22039f77ad0")
def kio_mnist_convnet():
    model = keras.Sequential([
        keras.Input((28, 28, 1)), L.Conv2D(32, kernel_size=(3, 3), activation="relu"),
        L.MaxPooling2D(pool_size=(2, 2)), L.Conv2D(64, kernel_size=(3, 3), activation="relu"),
        L.MaxPooling2D(pool_size=(2, 2)), L.Flatten(), L.Dropout(0.5), L.Dense(10, activation="softmax")])
    model.compile(loss="categorical_crossentropy", optimizer="adam", metrics=["accuracy"])
    return model


@_model("kio_fraud_detection", KIO, "examples/structured_data/imbalanced_classification.py",
        "Build a binary classification model", commit="0e2570ad95239574579c493d03eac955af344c24",
        notes="input (30,): the 30 feature columns of creditcard.csv")
def kio_fraud_detection():
    model = keras.Sequential([
        keras.Input((30,)), L.Dense(256, activation="relu"), L.Dense(256, activation="relu"), L.Dropout(0.3),
        L.Dense(256, activation="relu"), L.Dropout(0.3), L.Dense(1, activation="sigmoid")])
    metrics = [keras.metrics.FalseNegatives(name="fn"), keras.metrics.FalsePositives(name="fp"),
               keras.metrics.TrueNegatives(name="tn"), keras.metrics.TruePositives(name="tp"),
               keras.metrics.Precision(name="precision"), keras.metrics.Recall(name="recall")]
    model.compile(optimizer=keras.optimizers.Adam(1e-2), loss="binary_crossentropy", metrics=metrics)
    return model


@_model("kio_distillation_teacher", KIO, "examples/vision/knowledge_distillation.py", "Create the teacher",
        commit="1da2fdefe1b108145dcdb0794b60195cda85c38d", scaled="filters 256, 512 -> 64, 128")
def kio_distillation_teacher():
    model = keras.Sequential([
        keras.Input((28, 28, 1)), L.Conv2D(64, (3, 3), strides=(2, 2), padding="same"),
        L.LeakyReLU(negative_slope=0.2),  # alpha=0.2 in the source (Keras 3 spells it negative_slope)
        L.MaxPooling2D(pool_size=(2, 2), strides=(1, 1), padding="same"),
        L.Conv2D(128, (3, 3), strides=(2, 2), padding="same"), L.Flatten(), L.Dense(10)], name="teacher")
    model.compile(optimizer=keras.optimizers.Adam(),
                  loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                  metrics=[keras.metrics.SparseCategoricalAccuracy()])
    return model


@_model("kio_distillation_student", KIO, "examples/vision/knowledge_distillation.py",
        "Create the student; student_scratch.compile", commit="1da2fdefe1b108145dcdb0794b60195cda85c38d")
def kio_distillation_student():
    model = keras.Sequential([
        keras.Input((28, 28, 1)), L.Conv2D(16, (3, 3), strides=(2, 2), padding="same"),
        L.LeakyReLU(negative_slope=0.2), L.MaxPooling2D(pool_size=(2, 2), strides=(1, 1), padding="same"),
        L.Conv2D(32, (3, 3), strides=(2, 2), padding="same"), L.Flatten(), L.Dense(10)], name="student")
    model.compile(optimizer=keras.optimizers.Adam(),
                  loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                  metrics=[keras.metrics.SparseCategoricalAccuracy()])
    return model


@_model("kio_dcgan_discriminator", KIO, "examples/generative/dcgan_overriding_train_step.py",
        "Create the discriminator; gan.compile", commit="0d5f327814b51b9f3efe59bc6845756f630eb9b6",
        notes="compiled with the GAN's loss_fn and d_optimizer (the source trains it in train_step)")
def kio_dcgan_discriminator():
    model = keras.Sequential([
        keras.Input((28, 28, 1)), L.Conv2D(64, (3, 3), strides=(2, 2), padding="same"),
        L.LeakyReLU(negative_slope=0.2), L.Conv2D(128, (3, 3), strides=(2, 2), padding="same"),
        L.LeakyReLU(negative_slope=0.2), L.GlobalMaxPooling2D(), L.Dense(1)], name="discriminator")
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=0.0003),
                  loss=keras.losses.BinaryCrossentropy(from_logits=True))
    return model


@_model("kio_dcgan_generator", KIO, "examples/generative/dcgan_overriding_train_step.py", "Create the generator",
        commit="0d5f327814b51b9f3efe59bc6845756f630eb9b6", scaled="Conv2DTranspose filters 128 -> 32",
        notes="never compiled (trained through the discriminator)")
def kio_dcgan_generator():
    return keras.Sequential([
        keras.Input((128,)), L.Dense(7 * 7 * 128), L.LeakyReLU(negative_slope=0.2), L.Reshape((7, 7, 128)),
        L.Conv2DTranspose(32, (4, 4), strides=(2, 2), padding="same"), L.LeakyReLU(negative_slope=0.2),
        L.Conv2DTranspose(32, (4, 4), strides=(2, 2), padding="same"), L.LeakyReLU(negative_slope=0.2),
        L.Conv2D(1, (7, 7), padding="same", activation="sigmoid")], name="generator")


@_model("kio_mdn_baseline", KIO, "examples/keras_recipes/approximating_non_function_mappings.py",
        "the 'simple linear model' before the mixture density network",
        commit="00268bc975291e399b24b428597cc08afeaa0fe7", notes="input (1,) from the data x[:, None]")
def kio_mdn_baseline():
    model = keras.Sequential([keras.Input((1,)), L.Dense(128, activation="relu"), L.Dense(128, activation="relu"),
                              L.Dense(1)])
    model.compile(optimizer="adam", loss="mse")
    return model


@_model("kio_reproducibility_convnet", KIO, "examples/keras_recipes/reproducibility_recipes.py", "train_model()",
        commit="0130fa2d64ef56df69cb2ada9c8c06c9478d21eb", notes="input (32, 32, 1) from prepare_dataset's resize")
def kio_reproducibility_convnet():
    model = keras.Sequential([
        keras.Input((32, 32, 1)), L.Conv2D(32, (3, 3), activation="relu"), L.MaxPooling2D((2, 2)), L.Dropout(0.2),
        L.Conv2D(32, (3, 3), activation="relu"), L.MaxPooling2D((2, 2)), L.Dropout(0.2),
        L.Conv2D(32, (3, 3), activation="relu"), L.GlobalAveragePooling2D(), L.Dense(64, activation="relu"),
        L.Dropout(0.2), L.Dense(10, activation="softmax")])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"], jit_compile=False)
    return model


@_model("kio_rnn_guide_embedding_lstm", KIO, "guides/working_with_rnns.py", "Built-in RNN layers: a simple example",
        commit="4849412cb6cd6089949fb97edf1758083c964416", sequence=True,
        notes="sequence length 10 chosen (the guide leaves it open); never compiled")
def kio_rnn_guide_embedding_lstm():
    return keras.Sequential([keras.Input((10,)), L.Embedding(input_dim=1000, output_dim=64), L.LSTM(128),
                             L.Dense(10)])


@_model("kio_rnn_guide_gru_simplernn", KIO, "guides/working_with_rnns.py", "Outputs and states",
        commit="4849412cb6cd6089949fb97edf1758083c964416", sequence=True,
        notes="sequence length 10 chosen; never compiled")
def kio_rnn_guide_gru_simplernn():
    return keras.Sequential([keras.Input((10,)), L.Embedding(input_dim=1000, output_dim=64),
                             L.GRU(256, return_sequences=True), L.SimpleRNN(128), L.Dense(10)])


@_model("kio_rnn_guide_bidirectional", KIO, "guides/working_with_rnns.py", "Bidirectional RNNs",
        commit="4849412cb6cd6089949fb97edf1758083c964416", sequence=True, notes="never compiled")
def kio_rnn_guide_bidirectional():
    return keras.Sequential([keras.Input((5, 10)), L.Bidirectional(L.LSTM(64, return_sequences=True)),
                             L.Bidirectional(L.LSTM(32)), L.Dense(10)])


@_model("kio_rnn_guide_mnist_rows", KIO, "guides/working_with_rnns.py", "build_model(allow_cudnn_kernel=True)",
        commit="4849412cb6cd6089949fb97edf1758083c964416", sequence=True,
        notes="sequence length 28 (MNIST rows)")
def kio_rnn_guide_mnist_rows():
    model = keras.Sequential([keras.Input((28, 28)), L.LSTM(64), L.BatchNormalization(), L.Dense(10)])
    model.compile(loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True), optimizer="sgd",
                  metrics=["accuracy"])
    return model


@_model("kio_timeseries_anomaly_conv1d", KIO, "examples/timeseries/timeseries_anomaly_detection.py", "Build a model",
        commit="3aca0563e5cebb3e442bee3f7c30adc53cfe3102", sequence=True)
def kio_timeseries_anomaly_conv1d():
    model = keras.Sequential([
        keras.Input((288, 1)), L.Conv1D(filters=32, kernel_size=7, padding="same", strides=2, activation="relu"),
        L.Dropout(rate=0.2), L.Conv1D(filters=16, kernel_size=7, padding="same", strides=2, activation="relu"),
        L.Conv1DTranspose(filters=16, kernel_size=7, padding="same", strides=2, activation="relu"),
        L.Dropout(rate=0.2),
        L.Conv1DTranspose(filters=32, kernel_size=7, padding="same", strides=2, activation="relu"),
        L.Conv1DTranspose(filters=1, kernel_size=7, padding="same")])
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=0.001), loss="mse")
    return model


# == tensorflow/docs ===============================================================================
TFD = "tensorflow/docs"
_T = "site/en/tutorials/"


@_model("tf_quickstart_beginner", TFD, _T + "quickstart/beginner.ipynb", "cells 11, 21")
def tf_quickstart_beginner():
    model = keras.Sequential([keras.Input((28, 28)), L.Flatten(), L.Dense(128, activation="relu"), L.Dropout(0.2),
                              L.Dense(10)])
    model.compile(optimizer="adam", loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                  metrics=["accuracy"])
    return model


@_model("tf_keras_classification", TFD, _T + "keras/classification.ipynb", "cells 30, 32")
def tf_keras_classification():
    model = keras.Sequential([keras.Input((28, 28)), L.Flatten(), L.Dense(128, activation="relu"), L.Dense(10)])
    model.compile(optimizer="adam", loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                  metrics=["accuracy"])
    return model


@_model("tf_regression_horsepower", TFD, _T + "keras/regression.ipynb", "cells 44, 48",
        notes="Normalization(axis=None) adapted on seeded data in place of the Auto MPG horsepower column")
def tf_regression_horsepower():
    model = keras.Sequential([keras.Input((1,)), _adapted_normalization((1,), axis=None), L.Dense(units=1)])
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=0.1), loss="mean_absolute_error")
    return model


@_model("tf_regression_linear", TFD, _T + "keras/regression.ipynb", "cells 63, 69",
        notes="Normalization(axis=-1) adapted on seeded data in place of the 9 Auto MPG features")
def tf_regression_linear():
    model = keras.Sequential([keras.Input((9,)), _adapted_normalization((9,), axis=-1), L.Dense(units=1)])
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=0.1), loss="mean_absolute_error")
    return model


@_model("tf_regression_dnn", TFD, _T + "keras/regression.ipynb", "cell 78 build_and_compile_model(normalizer)",
        notes="Normalization adapted on seeded data in place of the 9 Auto MPG features")
def tf_regression_dnn():
    model = keras.Sequential([keras.Input((9,)), _adapted_normalization((9,), axis=-1), L.Dense(64, activation="relu"),
                              L.Dense(64, activation="relu"), L.Dense(1)])
    model.compile(loss="mean_absolute_error", optimizer=keras.optimizers.Adam(0.001))
    return model


@_model("tf_save_and_load", TFD, _T + "keras/save_and_load.ipynb", "cell 14 create_model()")
def tf_save_and_load():
    model = keras.Sequential([keras.Input((784,)), L.Dense(512, activation="relu"), L.Dropout(0.2), L.Dense(10)])
    model.compile(optimizer="adam", loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                  metrics=[keras.metrics.SparseCategoricalAccuracy()])
    return model


@_model("tf_keras_tuner", TFD, _T + "keras/keras_tuner.ipynb", "cell 15 model_builder(hp)",
        notes="hyperparameters at the tuner's first values: units=32, learning_rate=1e-2")
def tf_keras_tuner():
    model = keras.Sequential([keras.Input((28, 28)), L.Flatten(), L.Dense(units=32, activation="relu"), L.Dense(10)])
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=1e-2),
                  loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True), metrics=["accuracy"])
    return model


def _overfit_compile(model):
    """compile_and_fit's compile: Adam on InverseTimeDecay(0.001, STEPS_PER_EPOCH*1000, 1) with
    STEPS_PER_EPOCH = N_TRAIN // BATCH_SIZE = 10000 // 500."""
    schedule = keras.optimizers.schedules.InverseTimeDecay(0.001, decay_steps=20 * 1000, decay_rate=1,
                                                           staircase=False)
    model.compile(optimizer=keras.optimizers.Adam(schedule),
                  loss=keras.losses.BinaryCrossentropy(from_logits=True),
                  metrics=[keras.metrics.BinaryCrossentropy(from_logits=True, name="binary_crossentropy"),
                           "accuracy"])
    return model


_OVERFIT = _T + "keras/overfit_and_underfit.ipynb"


@_model("tf_overfit_tiny", TFD, _OVERFIT, "cell 42 tiny_model; cell 39 compile_and_fit")
def tf_overfit_tiny():
    return _overfit_compile(keras.Sequential([keras.Input((28,)), L.Dense(16, activation="elu"), L.Dense(1)]))


@_model("tf_overfit_small", TFD, _OVERFIT, "cell 49 small_model")
def tf_overfit_small():
    return _overfit_compile(keras.Sequential([keras.Input((28,)), L.Dense(16, activation="elu"),
                                              L.Dense(16, activation="elu"), L.Dense(1)]))


@_model("tf_overfit_medium", TFD, _OVERFIT, "cell 53 medium_model")
def tf_overfit_medium():
    return _overfit_compile(keras.Sequential([keras.Input((28,)), L.Dense(64, activation="elu"),
                                              L.Dense(64, activation="elu"), L.Dense(64, activation="elu"),
                                              L.Dense(1)]))


@_model("tf_overfit_large", TFD, _OVERFIT, "cell 57 large_model")
def tf_overfit_large():
    return _overfit_compile(keras.Sequential([keras.Input((28,))] + [L.Dense(512, activation="elu") for _ in range(4)]
                                             + [L.Dense(1)]))


@_model("tf_overfit_l2", TFD, _OVERFIT, "cell 74 l2_model")
def tf_overfit_l2():
    return _overfit_compile(keras.Sequential(
        [keras.Input((28,))] + [L.Dense(512, activation="elu", kernel_regularizer=keras.regularizers.l2(0.001))
                                for _ in range(4)] + [L.Dense(1)]))


@_model("tf_overfit_dropout", TFD, _OVERFIT, "cell 82 dropout_model")
def tf_overfit_dropout():
    hidden = [layer for _ in range(4) for layer in (L.Dense(512, activation="elu"), L.Dropout(0.5))]
    return _overfit_compile(keras.Sequential([keras.Input((28,))] + hidden + [L.Dense(1)]))


@_model("tf_overfit_combined", TFD, _OVERFIT, "cell 86 combined_model")
def tf_overfit_combined():
    hidden = [layer for _ in range(4) for layer in
              (L.Dense(512, kernel_regularizer=keras.regularizers.l2(0.0001), activation="elu"), L.Dropout(0.5))]
    return _overfit_compile(keras.Sequential([keras.Input((28,))] + hidden + [L.Dense(1)]))


@_model("tf_images_cnn", TFD, _T + "images/cnn.ipynb", "cells 13, 18, 22")
def tf_images_cnn():
    model = keras.Sequential([
        keras.Input((32, 32, 3)), L.Conv2D(32, (3, 3), activation="relu"), L.MaxPooling2D((2, 2)),
        L.Conv2D(64, (3, 3), activation="relu"), L.MaxPooling2D((2, 2)), L.Conv2D(64, (3, 3), activation="relu"),
        L.Flatten(), L.Dense(64, activation="relu"), L.Dense(10)])
    model.compile(optimizer="adam", loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                  metrics=["accuracy"])
    return model


def _flowers_cnn(size, head):
    return [keras.Input((size, size, 3)), *head,
            L.Conv2D(16, 3, padding="same", activation="relu"), L.MaxPooling2D(),
            L.Conv2D(32, 3, padding="same", activation="relu"), L.MaxPooling2D(),
            L.Conv2D(64, 3, padding="same", activation="relu"), L.MaxPooling2D()]


def _compile_logits_sparse(model, optimizer="adam"):
    model.compile(optimizer=optimizer, loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                  metrics=["accuracy"])
    return model


@_model("tf_images_classification", TFD, _T + "images/classification.ipynb", "cells 42, 44",
        scaled="input 180x180x3 -> 64x64x3", notes="num_classes = 5 (flower_photos)")
def tf_images_classification():
    return _compile_logits_sparse(keras.Sequential(
        _flowers_cnn(64, [L.Rescaling(1. / 255)]) + [L.Flatten(), L.Dense(128, activation="relu"), L.Dense(5)]))


@_model("tf_images_classification_augmented", TFD, _T + "images/classification.ipynb", "cells 58, 63",
        scaled="input 180x180x3 -> 64x64x3", notes="num_classes = 5")
def tf_images_classification_augmented():
    augmentation = keras.Sequential([keras.Input((64, 64, 3)), L.RandomFlip("horizontal"), L.RandomRotation(0.1),
                                     L.RandomZoom(0.1)])
    return _compile_logits_sparse(keras.Sequential(
        _flowers_cnn(64, [augmentation, L.Rescaling(1. / 255)])
        + [L.Dropout(0.2), L.Flatten(), L.Dense(128, activation="relu"), L.Dense(5, name="outputs")]))


@_model("tf_data_augmentation_cnn", TFD, _T + "images/data_augmentation.ipynb", "cells 44, 46",
        scaled="input 180x180x3 (IMG_SIZE) -> 64x64x3", notes="num_classes = 5 (tf_flowers)")
def tf_data_augmentation_cnn():
    return _compile_logits_sparse(keras.Sequential(
        _flowers_cnn(64, []) + [L.Flatten(), L.Dense(128, activation="relu"), L.Dense(5)]))


@_model("tf_load_images_cnn", TFD, _T + "load_data/images.ipynb", "cell 41", scaled="input 180x180x3 -> 64x64x3")
def tf_load_images_cnn():
    return _compile_logits_sparse(keras.Sequential([
        keras.Input((64, 64, 3)), L.Rescaling(1. / 255), L.Conv2D(32, 3, activation="relu"), L.MaxPooling2D(),
        L.Conv2D(32, 3, activation="relu"), L.MaxPooling2D(), L.Conv2D(32, 3, activation="relu"),
        L.MaxPooling2D(), L.Flatten(), L.Dense(128, activation="relu"), L.Dense(5)]))


@_model("tf_csv_abalone", TFD, _T + "load_data/csv.ipynb", "cell 17", notes="input (7,): the 7 abalone features")
def tf_csv_abalone():
    model = keras.Sequential([keras.Input((7,)), L.Dense(64, activation="relu"), L.Dense(1)])
    model.compile(loss=keras.losses.MeanSquaredError(), optimizer=keras.optimizers.Adam())
    return model


@_model("tf_csv_abalone_normalized", TFD, _T + "load_data/csv.ipynb", "cell 27",
        notes="Normalization adapted on seeded data in place of the abalone features")
def tf_csv_abalone_normalized():
    model = keras.Sequential([keras.Input((7,)), _adapted_normalization((7,)), L.Dense(64, activation="relu"),
                              L.Dense(1)])
    model.compile(loss=keras.losses.MeanSquaredError(), optimizer=keras.optimizers.Adam())
    return model


@_model("tf_numpy_mnist", TFD, _T + "load_data/numpy.ipynb", "cell 16")
def tf_numpy_mnist():
    model = keras.Sequential([keras.Input((28, 28)), L.Flatten(), L.Dense(128, activation="relu"), L.Dense(10)])
    model.compile(optimizer=keras.optimizers.RMSprop(),
                  loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                  metrics=["sparse_categorical_accuracy"])
    return model


@_model("tf_pandas_heart", TFD, _T + "load_data/pandas_dataframe.ipynb", "cell 29 get_basic_model()",
        notes="5 numeric features; Normalization adapted on seeded data")
def tf_pandas_heart():
    model = keras.Sequential([keras.Input((5,)), _adapted_normalization((5,)), L.Dense(10, activation="relu"),
                              L.Dense(10, activation="relu"), L.Dense(1)])
    model.compile(optimizer="adam", loss=keras.losses.BinaryCrossentropy(from_logits=True), metrics=["accuracy"])
    return model


@_model("tf_text_multi_hot", TFD, _T + "load_data/text.ipynb", "cell 43 binary_model",
        notes="starts at the TextVectorization(output_mode='binary') output: 10000 multi-hot inputs")
def tf_text_multi_hot():
    model = keras.Sequential([keras.Input((10000,)), L.Dense(4)])
    model.compile(loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True), optimizer="adam",
                  metrics=["accuracy"])
    return model


@_model("tf_imbalanced_credit", TFD, _T + "structured_data/imbalanced_data.ipynb", "cell 27 make_model()",
        notes="29 features (V1..V28, Log Amount); output_bias = log(492/284315) as the tutorial's initial_bias")
def tf_imbalanced_credit():
    output_bias = keras.initializers.Constant(float(np.log(492 / 284315)))
    model = keras.Sequential([keras.Input((29,)), L.Dense(16, activation="relu"), L.Dropout(0.5),
                              L.Dense(1, activation="sigmoid", bias_initializer=output_bias)])
    metrics = [keras.metrics.BinaryCrossentropy(name="cross entropy"), keras.metrics.MeanSquaredError(name="Brier score"),
               keras.metrics.TruePositives(name="tp"), keras.metrics.FalsePositives(name="fp"),
               keras.metrics.TrueNegatives(name="tn"), keras.metrics.FalseNegatives(name="fn"),
               keras.metrics.BinaryAccuracy(name="accuracy"), keras.metrics.Precision(name="precision"),
               keras.metrics.Recall(name="recall"), keras.metrics.AUC(name="auc"),
               keras.metrics.AUC(name="prc", curve="PR")]
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=1e-3), loss=keras.losses.BinaryCrossentropy(),
                  metrics=metrics)
    return model


@_model("tf_custom_training_walkthrough", TFD, _T + "customization/custom_training_walkthrough.ipynb",
        "cells 26 (model), loss_object and SGD(0.01) of the custom loop",
        notes="compiled with the custom loop's loss_object and optimizer")
def tf_custom_training_walkthrough():
    model = keras.Sequential([keras.Input((4,)), L.Dense(10, activation=tf.nn.relu), L.Dense(10, activation=tf.nn.relu),
                              L.Dense(3)])
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=0.01),
                  loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    return model


@_model("tf_distribute_mnist", TFD, _T + "distribute/keras.ipynb", "cell 24")
def tf_distribute_mnist():
    model = keras.Sequential([keras.Input((28, 28, 1)), L.Conv2D(32, 3, activation="relu"), L.MaxPooling2D(),
                              L.Flatten(), L.Dense(64, activation="relu"), L.Dense(10)])
    model.compile(loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                  optimizer=keras.optimizers.Adam(learning_rate=0.001), metrics=["accuracy"])
    return model


@_model("tf_distribute_custom_training", TFD, _T + "distribute/custom_training.ipynb", "cell 17 create_model()",
        notes="input (28, 28, 1) (Fashion-MNIST with a channel axis); the custom loop's loss is "
              "SparseCategoricalCrossentropy(from_logits=True) averaged over the global batch, Adam()")
def tf_distribute_custom_training():
    regularizer = keras.regularizers.L2(1e-5)
    model = keras.Sequential([
        keras.Input((28, 28, 1)), L.Conv2D(32, 3, activation="relu", kernel_regularizer=regularizer), L.MaxPooling2D(),
        L.Conv2D(64, 3, activation="relu", kernel_regularizer=regularizer), L.MaxPooling2D(), L.Flatten(),
        L.Dense(64, activation="relu", kernel_regularizer=regularizer), L.Dense(10, kernel_regularizer=regularizer)])
    model.compile(optimizer=keras.optimizers.Adam(),
                  loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    return model


@_model("tf_multi_worker_mnist", TFD, _T + "distribute/multi_worker_with_keras.ipynb",
        "cell 20 build_and_compile_cnn_model()")
def tf_multi_worker_mnist():
    model = keras.Sequential([keras.Input((28, 28)), L.Reshape(target_shape=(28, 28, 1)),
                              L.Conv2D(32, 3, activation="relu"), L.Flatten(), L.Dense(128, activation="relu"),
                              L.Dense(10)])
    model.compile(loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                  optimizer=keras.optimizers.SGD(learning_rate=0.001), metrics=["accuracy"])
    return model


@_model("tf_estimator_iris", TFD, _T + "estimator/keras_model_to_estimator.ipynb", "cells 10, 12")
def tf_estimator_iris():
    model = keras.Sequential([keras.Input((4,)), L.Dense(16, activation="relu"), L.Dropout(0.2), L.Dense(3)])
    model.compile(loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True), optimizer="adam")
    return model


@_model("tf_simple_audio", TFD, _T + "audio/simple_audio.ipynb", "cells 42, 44",
        notes="input (124, 129, 1) spectrograms; Normalization adapted on seeded data; num_labels = 8")
def tf_simple_audio():
    model = keras.Sequential([
        keras.Input((124, 129, 1)), L.Resizing(32, 32), _adapted_normalization((124, 129, 1)),
        L.Conv2D(32, 3, activation="relu"), L.Conv2D(64, 3, activation="relu"), L.MaxPooling2D(), L.Dropout(0.25),
        L.Flatten(), L.Dense(128, activation="relu"), L.Dropout(0.5), L.Dense(8)])
    model.compile(optimizer=keras.optimizers.Adam(), loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                  metrics=["accuracy"])
    return model


@_model("tf_dcgan_discriminator", TFD, _T + "generative/dcgan.ipynb", "cell 22 make_discriminator_model()",
        notes="compiled with the custom loop's cross_entropy (BinaryCrossentropy(from_logits=True)) and Adam(1e-4)")
def tf_dcgan_discriminator():
    model = keras.Sequential([
        keras.Input((28, 28, 1)), L.Conv2D(64, (5, 5), strides=(2, 2), padding="same"), L.LeakyReLU(), L.Dropout(0.3),
        L.Conv2D(128, (5, 5), strides=(2, 2), padding="same"), L.LeakyReLU(), L.Dropout(0.3), L.Flatten(),
        L.Dense(1)])
    model.compile(optimizer=keras.optimizers.Adam(1e-4), loss=keras.losses.BinaryCrossentropy(from_logits=True))
    return model


@_model("tf_dcgan_generator", TFD, _T + "generative/dcgan.ipynb", "cell 18 make_generator_model()",
        scaled="Dense 7*7*256 -> 7*7*32, Conv2DTranspose 128, 64 -> 16, 8",
        notes="never compiled (trained through the discriminator)")
def tf_dcgan_generator():
    return keras.Sequential([
        keras.Input((100,)), L.Dense(7 * 7 * 32, use_bias=False), L.BatchNormalization(), L.LeakyReLU(),
        L.Reshape((7, 7, 32)), L.Conv2DTranspose(16, (5, 5), strides=(1, 1), padding="same", use_bias=False),
        L.BatchNormalization(), L.LeakyReLU(),
        L.Conv2DTranspose(8, (5, 5), strides=(2, 2), padding="same", use_bias=False), L.BatchNormalization(),
        L.LeakyReLU(), L.Conv2DTranspose(1, (5, 5), strides=(2, 2), padding="same", use_bias=False,
                                         activation="tanh")])


_TS = _T + "structured_data/time_series.ipynb"


def _ts_compile(model):
    model.compile(loss=keras.losses.MeanSquaredError(), optimizer=keras.optimizers.Adam(),
                  metrics=[keras.metrics.MeanAbsoluteError()])
    return model


@_model("tf_ts_linear", TFD, _TS, "cell 89 linear; compile_and_fit", notes="input (1, 19): single_step_window")
def tf_ts_linear():
    return _ts_compile(keras.Sequential([keras.Input((1, 19)), L.Dense(units=1)]))


@_model("tf_ts_dense", TFD, _TS, "cell 103 dense", notes="input (1, 19): single_step_window")
def tf_ts_dense():
    return _ts_compile(keras.Sequential([keras.Input((1, 19)), L.Dense(units=64, activation="relu"),
                                         L.Dense(units=64, activation="relu"), L.Dense(units=1)]))


@_model("tf_ts_multi_step_dense", TFD, _TS, "cell 110 multi_step_dense", notes="input (3, 19): conv_window")
def tf_ts_multi_step_dense():
    return _ts_compile(keras.Sequential([keras.Input((3, 19)), L.Flatten(), L.Dense(units=32, activation="relu"),
                                         L.Dense(units=32, activation="relu"), L.Dense(units=1), L.Reshape([1, -1])]))


@_model("tf_ts_multi_linear", TFD, _TS, "cell 174 multi_linear_model", notes="input (24, 19); OUT_STEPS = 24")
def tf_ts_multi_linear():
    return _ts_compile(keras.Sequential([
        keras.Input((24, 19)), L.Lambda(lambda x: x[:, -1:, :]),
        L.Dense(24 * 19, kernel_initializer=keras.initializers.Zeros()), L.Reshape([24, 19])]))


@_model("tf_ts_conv", TFD, _TS, "cell 119 conv_model", sequence=True, notes="input (3, 19): conv_window")
def tf_ts_conv():
    return _ts_compile(keras.Sequential([keras.Input((3, 19)), L.Conv1D(filters=32, kernel_size=(3,), activation="relu"),
                                         L.Dense(units=32, activation="relu"), L.Dense(units=1)]))


@_model("tf_ts_lstm", TFD, _TS, "cell 133 lstm_model", sequence=True, notes="input (24, 19): wide_window")
def tf_ts_lstm():
    return _ts_compile(keras.Sequential([keras.Input((24, 19)), L.LSTM(32, return_sequences=True), L.Dense(units=1)]))


@_model("tf_autoencoder_dense", TFD, _T + "generative/autoencoder.ipynb", "cell 11 Autoencoder(latent_dim=64)",
        notes="the subclassed model's encoder and decoder Sequentials composed as one Sequential; "
              "compile(optimizer='adam', loss=MeanSquaredError())")
def tf_autoencoder_dense():
    encoder = keras.Sequential([keras.Input((28, 28)), L.Flatten(), L.Dense(64, activation="relu")])
    decoder = keras.Sequential([keras.Input((64,)), L.Dense(784, activation="sigmoid"), L.Reshape((28, 28))])
    model = keras.Sequential([keras.Input((28, 28)), encoder, decoder])
    model.compile(optimizer="adam", loss=keras.losses.MeanSquaredError())
    return model


@_model("tf_anomaly_autoencoder", TFD, _T + "generative/autoencoder.ipynb", "cell 51 AnomalyDetector()",
        notes="the subclassed model's encoder and decoder Sequentials composed as one Sequential; "
              "input (140,) ECG readings; compile(optimizer='adam', loss='mae')")
def tf_anomaly_autoencoder():
    encoder = keras.Sequential([keras.Input((140,)), L.Dense(32, activation="relu"), L.Dense(16, activation="relu"),
                                L.Dense(8, activation="relu")])
    decoder = keras.Sequential([keras.Input((8,)), L.Dense(16, activation="relu"), L.Dense(32, activation="relu"),
                                L.Dense(140, activation="sigmoid")])
    model = keras.Sequential([keras.Input((140,)), encoder, decoder])
    model.compile(optimizer="adam", loss="mae")
    return model


@_model("tf_text_classification", TFD, _T + "keras/text_classification.ipynb", "cells 47, 50", sequence=True,
        notes="starts at the TextVectorization output: 250 token ids (sequence_length); embedding_dim = 16")
def tf_text_classification():
    model = keras.Sequential([keras.Input((250,)), L.Embedding(10000, 16), L.Dropout(0.2), L.GlobalAveragePooling1D(),
                              L.Dropout(0.2), L.Dense(1, activation="sigmoid")])
    model.compile(loss=keras.losses.BinaryCrossentropy(), optimizer="adam",
                  metrics=[keras.metrics.BinaryAccuracy(threshold=0.5)])
    return model


# == ageron/handson-ml3 =============================================================================
HML = "ageron/handson-ml3"
_H10, _H11 = "10_neural_nets_with_keras.ipynb", "11_training_deep_neural_networks.ipynb"


@_model("hml3_ch10_fashion_mlp", HML, _H10, "cells 51, 63")
def hml3_ch10_fashion_mlp():
    model = keras.Sequential([keras.Input((28, 28)), L.Flatten(), L.Dense(300, activation="relu"),
                              L.Dense(100, activation="relu"), L.Dense(10, activation="softmax")])
    model.compile(loss="sparse_categorical_crossentropy", optimizer="sgd", metrics=["accuracy"])
    return model


@_model("hml3_ch10_housing_mlp", HML, _H10, "cell 84",
        notes="8 California-housing features; Normalization adapted on seeded data")
def hml3_ch10_housing_mlp():
    model = keras.Sequential([keras.Input((8,)), _adapted_normalization((8,)), L.Dense(50, activation="relu"),
                              L.Dense(50, activation="relu"), L.Dense(50, activation="relu"), L.Dense(1)])
    model.compile(loss="mse", optimizer=keras.optimizers.Adam(learning_rate=1e-3), metrics=["RootMeanSquaredError"])
    return model


def _deep_100(activation, initializer):
    layers = [keras.Input((28, 28)), L.Flatten()]
    layers += [L.Dense(100, activation=activation, kernel_initializer=initializer) for _ in range(100)]
    model = keras.Sequential(layers + [L.Dense(10, activation="softmax")])
    model.compile(loss="sparse_categorical_crossentropy", optimizer=keras.optimizers.SGD(learning_rate=0.001),
                  metrics=["accuracy"])
    return model


@_model("hml3_ch11_selu_100_layers", HML, _H11, "cells 31, 32")
def hml3_ch11_selu_100_layers():
    return _deep_100("selu", "lecun_normal")


@_model("hml3_ch11_relu_100_layers", HML, _H11, "cells 40, 41")
def hml3_ch11_relu_100_layers():
    return _deep_100("relu", "he_normal")


@_model("hml3_ch11_batch_norm", HML, _H11, "cells 48, 51")
def hml3_ch11_batch_norm():
    model = keras.Sequential([
        keras.Input((28, 28)), L.Flatten(), L.BatchNormalization(),
        L.Dense(300, activation="relu", kernel_initializer="he_normal"), L.BatchNormalization(),
        L.Dense(100, activation="relu", kernel_initializer="he_normal"), L.BatchNormalization(),
        L.Dense(10, activation="softmax")])
    model.compile(loss="sparse_categorical_crossentropy", optimizer="sgd", metrics=["accuracy"])
    return model


@_model("hml3_ch11_batch_norm_before_activation", HML, _H11, "cells 54, 55")
def hml3_ch11_batch_norm_before_activation():
    model = keras.Sequential([
        keras.Input((28, 28)), L.Flatten(), L.Dense(300, kernel_initializer="he_normal", use_bias=False),
        L.BatchNormalization(), L.Activation("relu"), L.Dense(100, kernel_initializer="he_normal", use_bias=False),
        L.BatchNormalization(), L.Activation("relu"), L.Dense(10, activation="softmax")])
    model.compile(loss="sparse_categorical_crossentropy", optimizer="sgd", metrics=["accuracy"])
    return model


def _three_hidden():
    return [keras.Input((28, 28)), L.Flatten()] + [L.Dense(100, activation="relu", kernel_initializer="he_normal")
                                                   for _ in range(3)]


@_model("hml3_ch11_model_A", HML, _H11, "cell 63")
def hml3_ch11_model_A():
    model = keras.Sequential(_three_hidden() + [L.Dense(8, activation="softmax")])
    model.compile(loss="sparse_categorical_crossentropy", optimizer=keras.optimizers.SGD(learning_rate=0.001),
                  metrics=["accuracy"])
    return model


@_model("hml3_ch11_model_B", HML, _H11, "cell 64")
def hml3_ch11_model_B():
    model = keras.Sequential(_three_hidden() + [L.Dense(1, activation="sigmoid")])
    model.compile(loss="binary_crossentropy", optimizer=keras.optimizers.SGD(learning_rate=0.001),
                  metrics=["accuracy"])
    return model


@_model("hml3_ch11_model_B_on_A_frozen", HML, _H11, "cells 70, 71",
        notes="model_A's layers (freshly initialised here) frozen below a new sigmoid output")
def hml3_ch11_model_B_on_A_frozen():
    model = keras.Sequential(_three_hidden() + [L.Dense(1, activation="sigmoid")])
    for layer in model.layers[:-1]:
        layer.trainable = False
    model.compile(loss="binary_crossentropy", optimizer=keras.optimizers.SGD(learning_rate=0.001),
                  metrics=["accuracy"])
    return model


def _build_model_78(optimizer):
    model = keras.Sequential(_three_hidden() + [L.Dense(10, activation="softmax")])
    model.compile(loss="sparse_categorical_crossentropy", optimizer=optimizer, metrics=["accuracy"])
    return model


@_model("hml3_ch11_nesterov", HML, _H11, "cells 78 build_model, 85 (Nesterov SGD)")
def hml3_ch11_nesterov():
    return _build_model_78(keras.optimizers.SGD(learning_rate=0.001, momentum=0.9, nesterov=True))


@_model("hml3_ch11_adamw", HML, _H11, "cells 78 build_model, 104 (AdamW)")
def hml3_ch11_adamw():
    return _build_model_78(keras.optimizers.AdamW(weight_decay=1e-5, learning_rate=0.001, beta_1=0.9, beta_2=0.999))


@_model("hml3_ch11_l2_regularized", HML, _H11, "cells 166, 167")
def hml3_ch11_l2_regularized():
    def regularized(units, **options):
        options = {"activation": "relu", "kernel_initializer": "he_normal",
                   "kernel_regularizer": keras.regularizers.l2(0.01), **options}
        return L.Dense(units, **options)
    model = keras.Sequential([keras.Input((28, 28)), L.Flatten(), regularized(100), regularized(100),
                              regularized(10, activation="softmax", kernel_initializer="glorot_normal")])
    model.compile(loss="sparse_categorical_crossentropy", optimizer=keras.optimizers.SGD(learning_rate=0.02),
                  metrics=["accuracy"])
    return model


@_model("hml3_ch11_dropout", HML, _H11, "cells 170, 171")
def hml3_ch11_dropout():
    model = keras.Sequential([
        keras.Input((28, 28)), L.Flatten(), L.Dropout(rate=0.2), L.Dense(100, activation="relu",
                                                                         kernel_initializer="he_normal"),
        L.Dropout(rate=0.2), L.Dense(100, activation="relu", kernel_initializer="he_normal"), L.Dropout(rate=0.2),
        L.Dense(10, activation="softmax")])
    model.compile(loss="sparse_categorical_crossentropy", optimizer=keras.optimizers.SGD(learning_rate=0.01, momentum=0.9),
                  metrics=["accuracy"])
    return model


@_model("hml3_ch11_max_norm", HML, _H11, "cell 190")
def hml3_ch11_max_norm():
    def max_norm_dense(units):
        return L.Dense(units, activation="relu", kernel_initializer="he_normal",
                       kernel_constraint=keras.constraints.max_norm(1.))
    model = keras.Sequential([keras.Input((28, 28)), L.Flatten(), max_norm_dense(100), max_norm_dense(100),
                              L.Dense(10, activation="softmax")])
    model.compile(loss="sparse_categorical_crossentropy", optimizer=keras.optimizers.SGD(learning_rate=0.01, momentum=0.9),
                  metrics=["accuracy"])
    return model


@_model("hml3_ch11_cifar_swish", HML, _H11, "cells 196, 199, 201")
def hml3_ch11_cifar_swish():
    layers = [keras.Input((32, 32, 3)), L.Flatten()]
    layers += [L.Dense(100, activation="swish", kernel_initializer="he_normal") for _ in range(20)]
    model = keras.Sequential(layers + [L.Dense(10, activation="softmax")])
    model.compile(loss="sparse_categorical_crossentropy", optimizer=keras.optimizers.Nadam(learning_rate=5e-5),
                  metrics=["accuracy"])
    return model


@_model("hml3_ch11_cifar_batch_norm_swish", HML, _H11, "cell 212")
def hml3_ch11_cifar_batch_norm_swish():
    layers = [keras.Input((32, 32, 3)), L.Flatten()]
    for _ in range(20):
        layers += [L.Dense(100, kernel_initializer="he_normal"), L.BatchNormalization(), L.Activation("swish")]
    model = keras.Sequential(layers + [L.Dense(10, activation="softmax")])
    model.compile(loss="sparse_categorical_crossentropy", optimizer=keras.optimizers.Nadam(learning_rate=5e-4),
                  metrics=["accuracy"])
    return model


@_model("hml3_ch11_cifar_selu_alpha_dropout", HML, _H11, "cell 220")
def hml3_ch11_cifar_selu_alpha_dropout():
    layers = [keras.Input((32, 32, 3)), L.Flatten()]
    layers += [L.Dense(100, kernel_initializer="lecun_normal", activation="selu") for _ in range(20)]
    model = keras.Sequential(layers + [L.AlphaDropout(rate=0.1), L.Dense(10, activation="softmax")])
    model.compile(loss="sparse_categorical_crossentropy", optimizer=keras.optimizers.Nadam(learning_rate=5e-4),
                  metrics=["accuracy"])
    return model


_H12 = "12_custom_models_and_training_with_tensorflow.ipynb"


@_model("hml3_ch12_huber", HML, _H12, "cells 157, 158",
        notes="8 California-housing features; weighted_metrics=[HuberMetric(2.0)] (a custom metric) left out")
def hml3_ch12_huber():
    model = keras.Sequential([keras.Input((8,)), L.Dense(30, activation="relu", kernel_initializer="he_normal"),
                              L.Dense(1)])
    model.compile(loss=keras.losses.Huber(2.0), optimizer="nadam")
    return model


@_model("hml3_ch12_exponential_lambda", HML, _H12, "cells 165, 168", notes="8 California-housing features")
def hml3_ch12_exponential_lambda():
    model = keras.Sequential([keras.Input((8,)), L.Dense(30, activation="relu"), L.Dense(1),
                              L.Lambda(lambda x: tf.exp(x))])
    model.compile(loss="mse", optimizer="sgd")
    return model


_H13 = "13_loading_and_preprocessing_data.ipynb"


@_model("hml3_ch13_linear_normalization", HML, _H13, "cell 120",
        notes="8 California-housing features; Normalization adapted on seeded data")
def hml3_ch13_linear_normalization():
    model = keras.Sequential([keras.Input((8,)), _adapted_normalization((8,)), L.Dense(1)])
    model.compile(loss="mse", optimizer=keras.optimizers.SGD(learning_rate=2e-3))
    return model


@_model("hml3_ch13_softmax_regression", HML, _H13, "cell 169")
def hml3_ch13_softmax_regression():
    model = keras.Sequential([keras.Input((28, 28)), L.Flatten(), L.Dense(10, activation="softmax")])
    model.compile(loss="sparse_categorical_crossentropy", optimizer="nadam", metrics=["accuracy"])
    return model


_H14 = "14_deep_computer_vision_with_cnns.ipynb"


@_model("hml3_ch14_fashion_cnn", HML, _H14, "cells 52, 53", scaled="filters 64, 128, 256 -> 16, 32, 64")
def hml3_ch14_fashion_cnn():
    def conv(filters, kernel_size=3):
        return L.Conv2D(filters, kernel_size=kernel_size, padding="same", activation="relu",
                        kernel_initializer="he_normal")
    model = keras.Sequential([
        keras.Input((28, 28, 1)), conv(16, kernel_size=7), L.MaxPooling2D(), conv(32), conv(32), L.MaxPooling2D(),
        conv(64), conv(64), L.MaxPooling2D(), L.Flatten(),
        L.Dense(units=128, activation="relu", kernel_initializer="he_normal"), L.Dropout(0.5),
        L.Dense(units=64, activation="relu", kernel_initializer="he_normal"), L.Dropout(0.5),
        L.Dense(units=10, activation="softmax")])
    model.compile(loss="sparse_categorical_crossentropy", optimizer="nadam", metrics=["accuracy"])
    return model


@_model("hml3_ch14_mnist_cnn", HML, _H14, "cell 102 (exercise 9)", notes="input (28, 28, 1) (MNIST)")
def hml3_ch14_mnist_cnn():
    model = keras.Sequential([
        keras.Input((28, 28, 1)),
        L.Conv2D(32, kernel_size=3, padding="same", activation="relu", kernel_initializer="he_normal"),
        L.Conv2D(64, kernel_size=3, padding="same", activation="relu", kernel_initializer="he_normal"),
        L.MaxPooling2D(), L.Flatten(), L.Dropout(0.25),
        L.Dense(128, activation="relu", kernel_initializer="he_normal"), L.Dropout(0.5),
        L.Dense(10, activation="softmax")])
    model.compile(loss="sparse_categorical_crossentropy", optimizer="nadam", metrics=["accuracy"])
    return model


_H15 = "15_processing_sequences_using_rnns_and_cnns.ipynb"


def _fit_and_evaluate_compile(model, learning_rate):
    model.compile(loss=keras.losses.Huber(), optimizer=keras.optimizers.SGD(learning_rate=learning_rate, momentum=0.9),
                  metrics=["mae"])
    return model


@_model("hml3_ch15_linear_huber", HML, _H15, "cell 51", notes="seq_length = 56 inputs")
def hml3_ch15_linear_huber():
    return _fit_and_evaluate_compile(keras.Sequential([keras.Input((56,)), L.Dense(1)]), 0.02)


@_model("hml3_ch15_simple_rnn_1", HML, _H15, "cells 54, 56", sequence=True, notes="sequences of 56 steps")
def hml3_ch15_simple_rnn_1():
    return _fit_and_evaluate_compile(keras.Sequential([keras.Input((56, 1)), L.SimpleRNN(1)]), 0.02)


@_model("hml3_ch15_deep_rnn", HML, _H15, "cells 60, 61", sequence=True, notes="sequences of 56 steps")
def hml3_ch15_deep_rnn():
    return _fit_and_evaluate_compile(keras.Sequential([
        keras.Input((56, 1)), L.SimpleRNN(32, return_sequences=True), L.SimpleRNN(32, return_sequences=True),
        L.SimpleRNN(32), L.Dense(1)]), 0.01)


@_model("hml3_ch15_seq2seq_lstm", HML, _H15, "cells 105, 107", sequence=True, notes="sequences of 56 steps, 5 features")
def hml3_ch15_seq2seq_lstm():
    return _fit_and_evaluate_compile(keras.Sequential([keras.Input((56, 5)), L.LSTM(32, return_sequences=True),
                                                       L.Dense(14)]), 0.1)


@_model("hml3_ch15_seq2seq_gru", HML, _H15, "cells 109, 111", sequence=True, notes="sequences of 56 steps, 5 features")
def hml3_ch15_seq2seq_gru():
    return _fit_and_evaluate_compile(keras.Sequential([keras.Input((56, 5)), L.GRU(32, return_sequences=True),
                                                       L.Dense(14)]), 0.1)


@_model("hml3_ch15_conv_gru", HML, _H15, "cell 114", sequence=True,
        notes="sequences of 112 steps (longer_train); fit_and_evaluate(learning_rate=0.1)")
def hml3_ch15_conv_gru():
    return _fit_and_evaluate_compile(keras.Sequential([
        keras.Input((112, 5)), L.Conv1D(filters=32, kernel_size=4, strides=2, activation="relu"),
        L.GRU(32, return_sequences=True), L.Dense(14)]), 0.1)


@_model("hml3_ch15_wavenet", HML, _H15, "cells 119, 121", sequence=True, notes="sequences of 112 steps")
def hml3_ch15_wavenet():
    layers = [keras.Input((112, 5))]
    layers += [L.Conv1D(filters=32, kernel_size=2, padding="causal", activation="relu", dilation_rate=rate)
               for rate in (1, 2, 4, 8) * 2]
    return _fit_and_evaluate_compile(keras.Sequential(layers + [L.Conv1D(filters=14, kernel_size=1)]), 0.1)


_H16 = "16_nlp_with_rnns_and_attention.ipynb"


@_model("hml3_ch16_char_gru", HML, _H16, "cell 32", sequence=True,
        notes="n_tokens = 39 (Shakespeare characters); windows of 100 characters")
def hml3_ch16_char_gru():
    model = keras.Sequential([keras.Input((100,)), L.Embedding(input_dim=39, output_dim=16),
                              L.GRU(128, return_sequences=True), L.Dense(39, activation="softmax")])
    model.compile(loss="sparse_categorical_crossentropy", optimizer="nadam", metrics=["accuracy"])
    return model


@_model("hml3_ch16_imdb_gru_masked", HML, _H16, "cell 71", sequence=True, scaled="reviews cut to 50 tokens",
        notes="starts at the TextVectorization output (vocab_size 1000, embed_size 128)")
def hml3_ch16_imdb_gru_masked():
    model = keras.Sequential([keras.Input((50,)), L.Embedding(1000, 128, mask_zero=True), L.GRU(128),
                              L.Dense(1, activation="sigmoid")])
    model.compile(loss="binary_crossentropy", optimizer="nadam", metrics=["accuracy"])
    return model


_H17 = "17_autoencoders_gans_and_diffusion_models.ipynb"


@_model("hml3_ch17_linear_autoencoder", HML, _H17, "cell 20", notes="3-D inputs (the chapter's 3-D data set)")
def hml3_ch17_linear_autoencoder():
    encoder = keras.Sequential([keras.Input((3,)), L.Dense(2)])
    decoder = keras.Sequential([keras.Input((2,)), L.Dense(3)])
    model = keras.Sequential([keras.Input((3,)), encoder, decoder])
    model.compile(loss="mse", optimizer=keras.optimizers.SGD(learning_rate=0.5))
    return model


@_model("hml3_ch17_stacked_autoencoder", HML, _H17, "cell 30")
def hml3_ch17_stacked_autoencoder():
    encoder = keras.Sequential([keras.Input((28, 28)), L.Flatten(), L.Dense(100, activation="relu"),
                                L.Dense(30, activation="relu")])
    decoder = keras.Sequential([keras.Input((30,)), L.Dense(100, activation="relu"), L.Dense(28 * 28),
                                L.Reshape([28, 28])])
    model = keras.Sequential([keras.Input((28, 28)), encoder, decoder])
    model.compile(loss="mse", optimizer=keras.optimizers.Nadam())
    return model


@_model("hml3_ch17_conv_autoencoder", HML, _H17, "cell 57")
def hml3_ch17_conv_autoencoder():
    encoder = keras.Sequential([
        keras.Input((28, 28)), L.Reshape([28, 28, 1]), L.Conv2D(16, 3, padding="same", activation="relu"),
        L.MaxPooling2D(pool_size=2), L.Conv2D(32, 3, padding="same", activation="relu"), L.MaxPooling2D(pool_size=2),
        L.Conv2D(64, 3, padding="same", activation="relu"), L.MaxPooling2D(pool_size=2),
        L.Conv2D(30, 3, padding="same", activation="relu"), L.GlobalAveragePooling2D()])
    decoder = keras.Sequential([
        keras.Input((30,)), L.Dense(3 * 3 * 16), L.Reshape((3, 3, 16)),
        L.Conv2DTranspose(32, 3, strides=2, activation="relu"),
        L.Conv2DTranspose(16, 3, strides=2, padding="same", activation="relu"),
        L.Conv2DTranspose(1, 3, strides=2, padding="same"), L.Reshape([28, 28])])
    model = keras.Sequential([keras.Input((28, 28)), encoder, decoder])
    model.compile(loss="mse", optimizer=keras.optimizers.Nadam())
    return model


@_model("hml3_ch17_sparse_l1_autoencoder", HML, _H17, "cell 71")
def hml3_ch17_sparse_l1_autoencoder():
    encoder = keras.Sequential([keras.Input((28, 28)), L.Flatten(), L.Dense(100, activation="relu"),
                                L.Dense(300, activation="sigmoid"), L.ActivityRegularization(l1=1e-4)])
    decoder = keras.Sequential([keras.Input((300,)), L.Dense(100, activation="relu"), L.Dense(28 * 28),
                                L.Reshape([28, 28])])
    model = keras.Sequential([keras.Input((28, 28)), encoder, decoder])
    model.compile(loss="mse", optimizer=keras.optimizers.Nadam())
    return model


@_model("hml3_ch17_gan_discriminator", HML, _H17, "cells 97, 98")
def hml3_ch17_gan_discriminator():
    model = keras.Sequential([
        keras.Input((28, 28)), L.Flatten(), L.Dense(150, activation="relu", kernel_initializer="he_normal"),
        L.Dense(100, activation="relu", kernel_initializer="he_normal"), L.Dense(1, activation="sigmoid")])
    model.compile(loss="binary_crossentropy", optimizer="rmsprop")
    return model


@_model("hml3_ch17_dcgan_discriminator", HML, _H17, "cells 104, 105")
def hml3_ch17_dcgan_discriminator():
    model = keras.Sequential([
        keras.Input((28, 28, 1)),
        L.Conv2D(64, kernel_size=5, strides=2, padding="same", activation=L.LeakyReLU(0.2)), L.Dropout(0.4),
        L.Conv2D(128, kernel_size=5, strides=2, padding="same", activation=L.LeakyReLU(0.2)), L.Dropout(0.4),
        L.Flatten(), L.Dense(1, activation="sigmoid")])
    model.compile(loss="binary_crossentropy", optimizer="rmsprop")
    return model


_H18 = "18_reinforcement_learning.ipynb"


@_model("hml3_ch18_policy_network", HML, _H18, "cell 62 model; optimizer and loss_fn of the REINFORCE loop",
        notes="4 CartPole observations; compiled with the loop's binary_crossentropy and Nadam(0.01)")
def hml3_ch18_policy_network():
    model = keras.Sequential([keras.Input((4,)), L.Dense(5, activation="relu"), L.Dense(1, activation="sigmoid")])
    model.compile(loss="binary_crossentropy", optimizer=keras.optimizers.Nadam(learning_rate=0.01))
    return model


@_model("hml3_ch18_dqn", HML, _H18, "cell 111 model; optimizer and loss_fn of the DQN loop",
        notes="input_shape [4], n_outputs 2; compiled with the loop's mean_squared_error and Nadam(1e-2)")
def hml3_ch18_dqn():
    model = keras.Sequential([keras.Input((4,)), L.Dense(32, activation="elu"), L.Dense(32, activation="elu"),
                              L.Dense(2)])
    model.compile(loss="mean_squared_error", optimizer=keras.optimizers.Nadam(learning_rate=1e-2))
    return model


_H19 = "19_training_and_deploying_at_scale.ipynb"


@_model("hml3_ch19_mnist_rescaling", HML, _H19, "cell 20",
        notes="the source's uint8 input dtype dropped (the harness feeds float64 pixel values)")
def hml3_ch19_mnist_rescaling():
    model = keras.Sequential([keras.Input((28, 28)), L.Flatten(), L.Rescaling(scale=1 / 255),
                              L.Dense(100, activation="relu"), L.Dense(10, activation="softmax")])
    model.compile(loss="sparse_categorical_crossentropy", optimizer=keras.optimizers.SGD(learning_rate=1e-2),
                  metrics=["accuracy"])
    return model


@_model("hml3_ch19_cnn", HML, _H19, "cell 120 create_model()", scaled="filters 64, 128 -> 16, 32",
        notes="the source's uint8 input dtype dropped")
def hml3_ch19_cnn():
    model = keras.Sequential([
        keras.Input((28, 28)), L.Reshape([28, 28, 1]), L.Rescaling(scale=1 / 255),
        L.Conv2D(filters=16, kernel_size=7, activation="relu", padding="same"), L.MaxPooling2D(pool_size=2),
        L.Conv2D(filters=32, kernel_size=3, activation="relu", padding="same"),
        L.Conv2D(filters=32, kernel_size=3, activation="relu", padding="same"), L.MaxPooling2D(pool_size=2),
        L.Flatten(), L.Dense(units=64, activation="relu"), L.Dropout(0.5), L.Dense(units=10, activation="softmax")])
    model.compile(loss="sparse_categorical_crossentropy", optimizer=keras.optimizers.SGD(learning_rate=1e-2),
                  metrics=["accuracy"])
    return model


# == fchollet/deep-learning-with-python-notebooks ==================================================
DLWP = "fchollet/deep-learning-with-python-notebooks"


@_model("dlwp_ch02_mnist", DLWP, "chapter02_mathematical-building-blocks.ipynb", "cells 13, 14",
        notes="input (784,) from the reshaped images")
def dlwp_ch02_mnist():
    model = keras.Sequential([keras.Input((784,)), L.Dense(512, activation="relu"), L.Dense(10, activation="softmax")])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


_D4 = "chapter04_classification-and-regression.ipynb"


@_model("dlwp_ch04_imdb", DLWP, _D4, "cells 18, 19", notes="input (10000,) multi-hot reviews")
def dlwp_ch04_imdb():
    model = keras.Sequential([keras.Input((10000,)), L.Dense(16, activation="relu"), L.Dense(16, activation="relu"),
                              L.Dense(1, activation="sigmoid")])
    model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
    return model


@_model("dlwp_ch04_reuters", DLWP, _D4, "cells 46, 47", notes="input (10000,) multi-hot newswires")
def dlwp_ch04_reuters():
    model = keras.Sequential([keras.Input((10000,)), L.Dense(64, activation="relu"), L.Dense(64, activation="relu"),
                              L.Dense(46, activation="softmax")])
    model.compile(optimizer="adam", loss="categorical_crossentropy",
                  metrics=["accuracy", keras.metrics.TopKCategoricalAccuracy(k=3, name="top_3_accuracy")])
    return model


@_model("dlwp_ch04_reuters_bottleneck", DLWP, _D4, "cell 66")
def dlwp_ch04_reuters_bottleneck():
    model = keras.Sequential([keras.Input((10000,)), L.Dense(64, activation="relu"), L.Dense(4, activation="relu"),
                              L.Dense(46, activation="softmax")])
    model.compile(optimizer="adam", loss="categorical_crossentropy", metrics=["accuracy"])
    return model


@_model("dlwp_ch04_boston_housing", DLWP, _D4, "cell 79 build_model()", notes="13 Boston-housing features")
def dlwp_ch04_boston_housing():
    model = keras.Sequential([keras.Input((13,)), L.Dense(64, activation="relu"), L.Dense(64, activation="relu"),
                              L.Dense(1)])
    model.compile(optimizer="adam", loss="mean_squared_error", metrics=["mean_absolute_error"])
    return model


_D5 = "chapter05_fundamentals-of-ml.ipynb"


@_model("dlwp_ch05_rmsprop_lr_1", DLWP, _D5, "cell 28", notes="input (784,)")
def dlwp_ch05_rmsprop_lr_1():
    model = keras.Sequential([keras.Input((784,)), L.Dense(512, activation="relu"), L.Dense(10, activation="softmax")])
    model.compile(optimizer=keras.optimizers.RMSprop(learning_rate=1.0), loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    return model


@_model("dlwp_ch05_small", DLWP, _D5, "cell 32", notes="input (784,)")
def dlwp_ch05_small():
    model = keras.Sequential([keras.Input((784,)), L.Dense(10, activation="softmax")])
    model.compile(optimizer="rmsprop", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


@_model("dlwp_ch05_very_large", DLWP, _D5, "cell 36", scaled="hidden 2048 -> 512", notes="input (784,)")
def dlwp_ch05_very_large():
    model = keras.Sequential([keras.Input((784,)), L.Dense(512, activation="relu"), L.Dense(512, activation="relu"),
                              L.Dense(512, activation="relu"), L.Dense(10, activation="softmax")])
    model.compile(optimizer="rmsprop", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


@_model("dlwp_ch05_imdb_l2", DLWP, _D5, "cell 50", notes="input (10000,) multi-hot reviews")
def dlwp_ch05_imdb_l2():
    l2 = keras.regularizers.l2
    model = keras.Sequential([keras.Input((10000,)), L.Dense(16, kernel_regularizer=l2(0.002), activation="relu"),
                              L.Dense(16, kernel_regularizer=l2(0.002), activation="relu"),
                              L.Dense(1, activation="sigmoid")])
    model.compile(optimizer="rmsprop", loss="binary_crossentropy", metrics=["accuracy"])
    return model


@_model("dlwp_ch05_imdb_dropout", DLWP, _D5, "cell 54", notes="input (10000,) multi-hot reviews")
def dlwp_ch05_imdb_dropout():
    model = keras.Sequential([keras.Input((10000,)), L.Dense(16, activation="relu"), L.Dropout(0.5),
                              L.Dense(16, activation="relu"), L.Dropout(0.5), L.Dense(1, activation="sigmoid")])
    model.compile(optimizer="rmsprop", loss="binary_crossentropy", metrics=["accuracy"])
    return model


@_model("dlwp_ch07_build_later", DLWP, "chapter07_deep-dive-keras.ipynb", "cells 9, 11",
        notes="built with model.build(input_shape=(None, 3)); never compiled")
def dlwp_ch07_build_later():
    model = keras.Sequential()
    model.add(L.Dense(64, activation="relu"))
    model.add(L.Dense(10, activation="softmax"))
    model.build(input_shape=(None, 3))
    return model


_D1 = "first_edition/"


@_model("dlwp1_mnist", DLWP, _D1 + "2.1-a-first-look-at-a-neural-network.ipynb", "cells 13, 15")
def dlwp1_mnist():
    model = keras.Sequential([keras.Input((784,)), L.Dense(512, activation="relu"), L.Dense(10, activation="softmax")])
    model.compile(optimizer="rmsprop", loss="categorical_crossentropy", metrics=["accuracy"])
    return model


@_model("dlwp1_convnet", DLWP, _D1 + "5.1-introduction-to-convnets.ipynb", "cells 2, 6, 12")
def dlwp1_convnet():
    model = keras.Sequential([
        keras.Input((28, 28, 1)), L.Conv2D(32, (3, 3), activation="relu"), L.MaxPooling2D((2, 2)),
        L.Conv2D(64, (3, 3), activation="relu"), L.MaxPooling2D((2, 2)), L.Conv2D(64, (3, 3), activation="relu"),
        L.Flatten(), L.Dense(64, activation="relu"), L.Dense(10, activation="softmax")])
    model.compile(optimizer="rmsprop", loss="categorical_crossentropy", metrics=["accuracy"])
    return model


@_model("dlwp1_cats_dogs_dropout", DLWP, _D1 + "5.2-using-convnets-with-small-datasets.ipynb", "cell 37",
        scaled="input 150x150x3 -> 64x64x3", notes="RMSprop(lr=1e-4) in the source's Keras 2 spelling")
def dlwp1_cats_dogs_dropout():
    model = keras.Sequential([
        keras.Input((64, 64, 3)), L.Conv2D(32, (3, 3), activation="relu"), L.MaxPooling2D((2, 2)),
        L.Conv2D(64, (3, 3), activation="relu"), L.MaxPooling2D((2, 2)), L.Conv2D(128, (3, 3), activation="relu"),
        L.MaxPooling2D((2, 2)), L.Conv2D(128, (3, 3), activation="relu"), L.MaxPooling2D((2, 2)), L.Flatten(),
        L.Dropout(0.5), L.Dense(512, activation="relu"), L.Dense(1, activation="sigmoid")])
    model.compile(loss="binary_crossentropy", optimizer=keras.optimizers.RMSprop(learning_rate=1e-4), metrics=["acc"])
    return model


_D63 = _D1 + "6.3-advanced-usage-of-recurrent-neural-networks.ipynb"


@_model("dlwp1_jena_flatten_mae", DLWP, _D63, "cell 24", notes="input (240, 14): lookback // step, 14 features")
def dlwp1_jena_flatten_mae():
    model = keras.Sequential([keras.Input((240, 14)), L.Flatten(), L.Dense(32, activation="relu"), L.Dense(1)])
    model.compile(optimizer=keras.optimizers.RMSprop(), loss="mae")
    return model


@_model("dlwp1_jena_gru_dropout", DLWP, _D63, "cell 34", sequence=True, scaled="240 time steps -> 24")
def dlwp1_jena_gru_dropout():
    model = keras.Sequential([keras.Input((24, 14)), L.GRU(32, dropout=0.2, recurrent_dropout=0.2), L.Dense(1)])
    model.compile(optimizer=keras.optimizers.RMSprop(), loss="mae")
    return model


@_model("dlwp1_imdb_bidirectional_lstm", DLWP, _D63, "cell 52", sequence=True, scaled="500 tokens -> 50",
        notes="max_features = 10000")
def dlwp1_imdb_bidirectional_lstm():
    model = keras.Sequential([keras.Input((50,)), L.Embedding(10000, 32), L.Bidirectional(L.LSTM(32)),
                              L.Dense(1, activation="sigmoid")])
    model.compile(optimizer="rmsprop", loss="binary_crossentropy", metrics=["acc"])
    return model


@_model("dlwp1_embedding_flatten", DLWP, _D1 + "6.1-using-word-embeddings.ipynb", "cell 9", sequence=True,
        notes="maxlen = 20 given as the input shape (Embedding(input_length=maxlen) in Keras 2)")
def dlwp1_embedding_flatten():
    model = keras.Sequential([keras.Input((20,)), L.Embedding(10000, 8), L.Flatten(), L.Dense(1, activation="sigmoid")])
    model.compile(optimizer="rmsprop", loss="binary_crossentropy", metrics=["acc"])
    return model


@_model("dlwp1_imdb_simple_rnn", DLWP, _D1 + "6.2-understanding-recurrent-neural-networks.ipynb", "cell 11",
        sequence=True, scaled="500 tokens -> 50")
def dlwp1_imdb_simple_rnn():
    model = keras.Sequential([keras.Input((50,)), L.Embedding(10000, 32), L.SimpleRNN(32),
                              L.Dense(1, activation="sigmoid")])
    model.compile(optimizer="rmsprop", loss="binary_crossentropy", metrics=["acc"])
    return model


@_model("dlwp1_imdb_conv1d", DLWP, _D1 + "6.4-sequence-processing-with-convnets.ipynb", "cell 4", sequence=True,
        notes="max_len = 500 tokens, max_features = 10000; RMSprop(lr=1e-4) in Keras 2 spelling")
def dlwp1_imdb_conv1d():
    model = keras.Sequential([keras.Input((500,)), L.Embedding(10000, 128), L.Conv1D(32, 7, activation="relu"),
                              L.MaxPooling1D(5), L.Conv1D(32, 7, activation="relu"), L.GlobalMaxPooling1D(),
                              L.Dense(1)])
    model.compile(optimizer=keras.optimizers.RMSprop(learning_rate=1e-4), loss="binary_crossentropy",
                  metrics=["acc"])
    return model


@_model("dlwp1_char_lstm", DLWP, _D1 + "8.1-text-generation-with-lstm.ipynb", "cells 7, 9", sequence=True,
        notes="maxlen = 60, len(chars) = 57; RMSprop(lr=0.01) in Keras 2 spelling")
def dlwp1_char_lstm():
    model = keras.Sequential([keras.Input((60, 57)), L.LSTM(128), L.Dense(57, activation="softmax")])
    model.compile(loss="categorical_crossentropy", optimizer=keras.optimizers.RMSprop(learning_rate=0.01))
    return model


@_model("dlwp2_gan_discriminator", DLWP, "second_edition/chapter12_part05_gans.ipynb", "cell 15 and GAN.compile",
        notes="compiled with the GAN's loss_fn BinaryCrossentropy() and d_optimizer Adam(0.0001)")
def dlwp2_gan_discriminator():
    model = keras.Sequential([
        keras.Input((64, 64, 3)), L.Conv2D(64, kernel_size=4, strides=2, padding="same"), L.LeakyReLU(negative_slope=0.2),
        L.Conv2D(128, kernel_size=4, strides=2, padding="same"), L.LeakyReLU(negative_slope=0.2),
        L.Conv2D(128, kernel_size=4, strides=2, padding="same"), L.LeakyReLU(negative_slope=0.2), L.Flatten(),
        L.Dropout(0.2), L.Dense(1, activation="sigmoid")], name="discriminator")
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=0.0001), loss=keras.losses.BinaryCrossentropy())
    return model


# == https-deeplearning-ai/tensorflow-1-public ======================================================
TF1 = "https-deeplearning-ai/tensorflow-1-public"


@_model("tf1_hello_world", TF1, "C1/W1/ungraded_lab/C1_W1_Lab_1_hello_world_nn.ipynb", "cell 7")
def tf1_hello_world():
    model = keras.Sequential([keras.Input(shape=(1,)), L.Dense(units=1)])
    model.compile(optimizer="sgd", loss="mean_squared_error")
    return model


@_model("tf1_fashion_dense_tf_nn", TF1, "C1/W2/ungraded_labs/C1_W2_Lab_1_beyond_hello_world.ipynb", "cell 13")
def tf1_fashion_dense_tf_nn():
    model = keras.Sequential([keras.Input(shape=(28, 28)), L.Flatten(), L.Dense(128, activation=tf.nn.relu),
                              L.Dense(10, activation=tf.nn.softmax)])
    model.compile(optimizer=keras.optimizers.Adam(), loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


@_model("tf1_fashion_cnn", TF1, "C1/W3/ungraded_labs/C1_W3_Lab_1_improving_accuracy_using_convolutions.ipynb",
        "cell 6")
def tf1_fashion_cnn():
    model = keras.Sequential([
        keras.Input(shape=(28, 28, 1)), L.Conv2D(64, (3, 3), activation="relu"), L.MaxPooling2D(2, 2),
        L.Conv2D(64, (3, 3), activation="relu"), L.MaxPooling2D(2, 2), L.Flatten(), L.Dense(128, activation="relu"),
        L.Dense(10, activation="softmax")])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


@_model("tf1_horses_humans", TF1, "C1/W4/ungraded_labs/C1_W4_Lab_1_image_data_preprocessing_no_validation.ipynb",
        "cells 12, 17", scaled="input 300x300x3 -> 100x100x3")
def tf1_horses_humans():
    convs = [(16, 3), (32, 3), (64, 3), (64, 3), (64, 3)]
    layers = [keras.Input(shape=(100, 100, 3))]
    for filters, size in convs:
        layers += [L.Conv2D(filters, (size, size), activation="relu"), L.MaxPooling2D(2, 2)]
    model = keras.Sequential(layers + [L.Flatten(), L.Dense(512, activation="relu"), L.Dense(1, activation="sigmoid")])
    model.compile(loss="binary_crossentropy", optimizer=keras.optimizers.RMSprop(learning_rate=0.001),
                  metrics=["accuracy"])
    return model


@_model("tf1_cats_dogs_rescaling", TF1, "C2/W1/ungraded_lab/C2_W1_Lab_1_cats_vs_dogs.ipynb", "cells 13, 18",
        scaled="input 150x150x3 -> 64x64x3")
def tf1_cats_dogs_rescaling():
    model = keras.Sequential([
        keras.Input(shape=(64, 64, 3)), L.Rescaling(1. / 255), L.Conv2D(16, (3, 3), activation="relu"),
        L.MaxPooling2D(2, 2), L.Conv2D(32, (3, 3), activation="relu"), L.MaxPooling2D(2, 2),
        L.Conv2D(64, (3, 3), activation="relu"), L.MaxPooling2D(2, 2), L.Flatten(), L.Dense(512, activation="relu"),
        L.Dense(1, activation="sigmoid")])
    model.compile(optimizer=keras.optimizers.RMSprop(learning_rate=0.001), loss="binary_crossentropy",
                  metrics=["accuracy"])
    return model


@_model("tf1_rock_paper_scissors", TF1, "C2/W4/ungraded_lab/C2_W4_Lab_1_multi_class_classifier.ipynb", "cell 8",
        scaled="input 150x150x3 -> 64x64x3",
        notes="the base model, compiled as the lab compiles model_with_aug (its augmentation front left out)")
def tf1_rock_paper_scissors():
    model = keras.Sequential([
        keras.Input(shape=(64, 64, 3)), L.Rescaling(1. / 255), L.Conv2D(64, (3, 3), activation="relu"),
        L.MaxPooling2D(2, 2), L.Conv2D(64, (3, 3), activation="relu"), L.MaxPooling2D(2, 2),
        L.Conv2D(128, (3, 3), activation="relu"), L.MaxPooling2D(2, 2), L.Conv2D(128, (3, 3), activation="relu"),
        L.MaxPooling2D(2, 2), L.Flatten(), L.Dropout(0.5), L.Dense(512, activation="relu"),
        L.Dense(3, activation="softmax")])
    model.compile(loss="categorical_crossentropy", optimizer="rmsprop", metrics=["accuracy"])
    return model


@_model("tf1_time_series_dnn", TF1, "C4/W2/ungraded_labs/C4_W2_Lab_3_deep_NN.ipynb", "cell 33",
        notes="window_size = 20")
def tf1_time_series_dnn():
    model = keras.Sequential([keras.Input(shape=(20,)), L.Dense(10, activation="relu"), L.Dense(10, activation="relu"),
                              L.Dense(1)])
    model.compile(loss="mse", optimizer=keras.optimizers.SGD(learning_rate=4e-6, momentum=0.9))
    return model


@_model("tf1_sunspots_huber", TF1, "C4/W4/ungraded_labs/C4_W4_Lab_2_Sunspots_DNN.ipynb", "cell 22",
        notes="window_size = 30")
def tf1_sunspots_huber():
    model = keras.Sequential([keras.Input(shape=(30,)), L.Dense(30, activation="relu"), L.Dense(10, activation="relu"),
                              L.Dense(1)])
    model.compile(loss=keras.losses.Huber(), optimizer=keras.optimizers.SGD(learning_rate=2e-5, momentum=0.9),
                  metrics=["mae"])
    return model


@_model("tf1_imdb_embedding_flatten", TF1, "C3/W2/ungraded_labs/C3_W2_Lab_1_imdb.ipynb", "cell 31", sequence=True,
        notes="VOCAB_SIZE 10000, MAX_LENGTH 120, EMBEDDING_DIM 16")
def tf1_imdb_embedding_flatten():
    model = keras.Sequential([keras.Input(shape=(120,)), L.Embedding(10000, 16), L.Flatten(),
                              L.Dense(6, activation="relu"), L.Dense(1, activation="sigmoid")])
    model.compile(loss="binary_crossentropy", optimizer="adam", metrics=["accuracy"])
    return model


@_model("tf1_imdb_bidirectional_lstm", TF1, "C3/W3/ungraded_labs/C3_W3_Lab_1_single_layer_LSTM.ipynb", "cell 16",
        sequence=True, scaled="subword vocabulary 8185 -> 1000; reviews of 50 tokens",
        notes="EMBEDDING_DIM 64, LSTM_DIM 64, DENSE_DIM 64")
def tf1_imdb_bidirectional_lstm():
    model = keras.Sequential([keras.Input(shape=(50,)), L.Embedding(1000, 64), L.Bidirectional(L.LSTM(64)),
                              L.Dense(64, activation="relu"), L.Dense(1, activation="sigmoid")])
    model.compile(loss="binary_crossentropy", optimizer="adam", metrics=["accuracy"])
    return model


@_model("tf1_time_series_rnn_lambda", TF1, "C4/W3/ungraded_labs/C4_W3_Lab_1_RNN.ipynb", "cell 24", sequence=True,
        notes="window_size = 20")
def tf1_time_series_rnn_lambda():
    model = keras.Sequential([keras.Input(shape=(20, 1)), L.SimpleRNN(40, return_sequences=True), L.SimpleRNN(40),
                              L.Dense(1), L.Lambda(lambda x: x * 100.0)])
    model.compile(loss=keras.losses.Huber(), optimizer=keras.optimizers.SGD(learning_rate=1e-6, momentum=0.9),
                  metrics=["mae"])
    return model


# == aamini/introtodeeplearning (MIT 6.S191) =======================================================
MIT = "aamini/introtodeeplearning"


@_model("mit_fc_model", MIT, "lab2/solutions/Part1_MNIST_Solution.ipynb", "cell 13 build_fc_model()",
        notes="input (28, 28, 1) (MNIST with a channel axis)")
def mit_fc_model():
    model = keras.Sequential([keras.Input((28, 28, 1)), L.Flatten(), L.Dense(128, activation=tf.nn.relu),
                              L.Dense(10, activation=tf.nn.softmax)])
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=1e-1), loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    return model


@_model("mit_cnn_model", MIT, "lab2/solutions/Part1_MNIST_Solution.ipynb", "cell 27 build_cnn_model()",
        notes="input (28, 28, 1)")
def mit_cnn_model():
    model = keras.Sequential([
        keras.Input((28, 28, 1)), L.Conv2D(filters=24, kernel_size=(3, 3), activation=tf.nn.relu),
        L.MaxPooling2D(pool_size=(2, 2)), L.Conv2D(filters=36, kernel_size=(3, 3), activation=tf.nn.relu),
        L.MaxPooling2D(pool_size=(2, 2)), L.Flatten(), L.Dense(128, activation=tf.nn.relu),
        L.Dense(10, activation=tf.nn.softmax)])
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=1e-3), loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    return model


@_model("mit_debiasing_classifier", MIT, "lab2/solutions/Part2_Debiasing_Solution.ipynb",
        "cell 14 make_standard_classifier()",
        notes="input (64, 64, 3) faces; compiled with the custom loop's sigmoid cross-entropy on logits "
              "(tf.nn.sigmoid_cross_entropy_with_logits, averaged) and Adam(5e-4)")
def mit_debiasing_classifier():
    n_filters = 12

    def conv(filters, kernel_size):
        return L.Conv2D(filters=filters, kernel_size=kernel_size, strides=2, padding="same", activation="relu")
    model = keras.Sequential([
        keras.Input((64, 64, 3)), conv(1 * n_filters, 5), L.BatchNormalization(), conv(2 * n_filters, 5),
        L.BatchNormalization(), conv(4 * n_filters, 3), L.BatchNormalization(), conv(6 * n_filters, 3),
        L.BatchNormalization(), L.Flatten(), L.Dense(512, activation="relu"), L.Dense(1, activation=None)])
    model.compile(optimizer=keras.optimizers.Adam(5e-4), loss=keras.losses.BinaryCrossentropy(from_logits=True))
    return model


@_model("mit_lab1_dense_sigmoid", MIT, "lab1/solutions/Part1_TensorFlow_Solution.ipynb", "cell 23",
        notes="input (2,) from x_input; never compiled")
def mit_lab1_dense_sigmoid():
    return keras.Sequential([keras.Input((2,)), L.Dense(3, activation="sigmoid")])


@_model("mit_music_lstm", MIT, "lab1/solutions/Part2_Music_Generation_Solution.ipynb", "cell 28 build_model()",
        sequence=True, scaled="rnn_units 1024 -> 64, embedding_dim 256 -> 32, seq_length 100 -> 20",
        notes="vocab of 83 characters; stateful=True and a fixed batch dimension dropped; compiled with the "
              "loop's sparse_categorical_crossentropy(from_logits=True) and Adam(5e-3)")
def mit_music_lstm():
    model = keras.Sequential([
        keras.Input((20,)), L.Embedding(83, 32),
        L.LSTM(64, return_sequences=True, recurrent_initializer="glorot_uniform", recurrent_activation="sigmoid"),
        L.Dense(83)])
    model.compile(optimizer=keras.optimizers.Adam(5e-3),
                  loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    return model


# == the course texts (/work/shared/seeds) ==========================================================
@_model("course004_xor", "course text 004 (/work/shared/seeds)", "004_637162c46879800a.txt",
        "the Keras listing (XOR as a 2-8-2 classifier)",
        notes="SGD's decay=0.0 (a Keras 2 argument, no effect at 0) dropped")
def course004_xor():
    model = keras.Sequential([keras.Input((2,)), L.Dense(8), L.Activation("relu"), L.Dense(2),
                              L.Activation("softmax")])
    model.compile(loss="categorical_crossentropy",
                  optimizer=keras.optimizers.SGD(learning_rate=0.1, momentum=0.0, nesterov=False),
                  metrics=["accuracy"])
    return model


# == the split ======================================================================================
def draw_held_out(seed=SPLIT_SEED, fraction=HELD_OUT_FRACTION):
    """The held-out names: a seeded sample of `fraction` of the models, drawn separately among the
    sequence and the other models (sorted by name first, so the draw depends on the names only)."""
    rng = random.Random(seed)
    held_out = set()
    for sequence in (False, True):
        names = sorted(name for name, entry in MODELS.items() if entry.sequence is sequence)
        held_out.update(rng.sample(names, round(fraction * len(names))))
    return frozenset(held_out)


# Recorded once from draw_held_out() (tests/reference_keras/test_keras_model_corpus.py checks they agree).
HELD_OUT = frozenset({
    "dlwp1_convnet", "dlwp1_embedding_flatten", "dlwp1_jena_flatten_mae", "dlwp_ch02_mnist",
    "dlwp_ch04_reuters_bottleneck", "dlwp_ch05_small", "dlwp_ch05_very_large", "hml3_ch10_fashion_mlp",
    "hml3_ch11_cifar_batch_norm_swish", "hml3_ch11_cifar_selu_alpha_dropout", "hml3_ch11_cifar_swish",
    "hml3_ch11_model_B", "hml3_ch11_nesterov", "hml3_ch11_selu_100_layers", "hml3_ch12_exponential_lambda",
    "hml3_ch14_mnist_cnn", "hml3_ch15_linear_huber", "hml3_ch15_seq2seq_gru", "hml3_ch15_simple_rnn_1",
    "hml3_ch17_linear_autoencoder", "kio_dcgan_generator", "kio_distillation_teacher", "kio_mdn_baseline",
    "kio_rnn_guide_gru_simplernn", "kio_timeseries_anomaly_conv1d", "mit_music_lstm", "tf1_fashion_cnn",
    "tf1_horses_humans", "tf1_imdb_embedding_flatten", "tf1_rock_paper_scissors", "tf1_sunspots_huber",
    "tf1_time_series_dnn", "tf_autoencoder_dense", "tf_dcgan_discriminator", "tf_estimator_iris",
    "tf_images_classification_augmented", "tf_images_cnn", "tf_keras_tuner", "tf_load_images_cnn",
    "tf_overfit_large", "tf_overfit_medium", "tf_simple_audio", "tf_text_classification"})
