/* The search analyser's hot loops in C: jieba's best route through one run of Chinese characters, the character
 * n-grams of a run, the n-grams a tsvector keeps, and the tsvector's binary COPY form.
 *
 * An accelerator only: each function does exactly what its Python twin does (analysis._cut_python,
 * analysis._ngrams_python, backends.postgres._start_grams_python, backends.postgres._tsvector_binary_python), and
 * tests/search/test_native.py compares the two on the same inputs. Without a C compiler the package installs
 * without this module and the Python versions run. */

#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* --- cut ------------------------------------------------------------------------------------------------------ */

/* freq[fragment] as a double: 1 where found (out_found), 0 where not; -1 on error. */
static int
lookup_freq(PyObject *freq, PyObject *fragment, double *value, int *found)
{
    PyObject *item = PyDict_GetItemWithError(freq, fragment); /* borrowed */
    if (item == NULL) {
        if (PyErr_Occurred())
            return -1;
        *found = 0;
        *value = 0.0;
        return 0;
    }
    *found = 1;
    *value = PyFloat_AsDouble(item);
    if (*value == -1.0 && PyErr_Occurred())
        return -1;
    return 0;
}

PyDoc_STRVAR(cut_doc,
             "cut(run, freq, log_total) -> list[str]\n\n"
             "jieba's precise mode without the HMM on one run of Chinese characters (analysis._cut_python).");

static PyObject *
native_cut(PyObject *self, PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs != 3) {
        PyErr_SetString(PyExc_TypeError, "cut() takes exactly 3 arguments");
        return NULL;
    }
    PyObject *run = args[0], *freq = args[1];
    if (!PyUnicode_Check(run) || !PyDict_Check(freq)) {
        PyErr_SetString(PyExc_TypeError, "cut() takes a str and a dict");
        return NULL;
    }
    double log_total = PyFloat_AsDouble(args[2]);
    if (log_total == -1.0 && PyErr_Occurred())
        return NULL;
    Py_ssize_t n = PyUnicode_GET_LENGTH(run);
    double *score = PyMem_Malloc(sizeof(double) * (size_t)(n + 1));
    Py_ssize_t *end = PyMem_Malloc(sizeof(Py_ssize_t) * (size_t)(n + 1));
    PyObject *out = NULL;
    if (score == NULL || end == NULL) {
        PyErr_NoMemory();
        goto done;
    }
    score[n] = 0.0;
    end[n] = n;
    for (Py_ssize_t i = n - 1; i >= 0; i--) {
        double best = -1e300;
        Py_ssize_t best_end = i + 1;
        Py_ssize_t j = i + 1;
        for (;;) {
            PyObject *fragment = PyUnicode_Substring(run, i, j);
            if (fragment == NULL)
                goto done;
            double f;
            int found;
            int rc = lookup_freq(freq, fragment, &f, &found);
            Py_DECREF(fragment);
            if (rc < 0)
                goto done;
            if (!found)
                break;
            if (f != 0.0) {
                double value = log(f) - log_total + score[j];
                if (value >= best) {
                    best = value;
                    best_end = j;
                }
            }
            if (j >= n)
                break;
            j++;
        }
        if (best == -1e300) { /* no dictionary word starts here: the character alone */
            PyObject *ch = PyUnicode_Substring(run, i, i + 1);
            if (ch == NULL)
                goto done;
            double f;
            int found;
            int rc = lookup_freq(freq, ch, &f, &found);
            Py_DECREF(ch);
            if (rc < 0)
                goto done;
            best = log(f != 0.0 ? f : 1.0) - log_total + score[i + 1];
        }
        score[i] = best;
        end[i] = best_end;
    }
    out = PyList_New(0);
    if (out == NULL)
        goto done;
    for (Py_ssize_t i = 0; i < n;) {
        Py_ssize_t j = end[i];
        PyObject *word = PyUnicode_Substring(run, i, j);
        if (word == NULL || PyList_Append(out, word) < 0) {
            Py_XDECREF(word);
            Py_CLEAR(out);
            goto done;
        }
        Py_DECREF(word);
        i = j;
    }
done:
    PyMem_Free(score);
    PyMem_Free(end);
    return out;
}

/* --- n-grams -------------------------------------------------------------------------------------------------- */

PyDoc_STRVAR(ngrams_doc,
             "ngrams(run, shortest, longest) -> list[str]\n\n"
             "Every substring of shortest…longest characters of the run, shortest first (analysis._ngrams_python).");

static PyObject *
native_ngrams(PyObject *self, PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs != 3 || !PyUnicode_Check(args[0])) {
        PyErr_SetString(PyExc_TypeError, "ngrams() takes a str and two ints");
        return NULL;
    }
    PyObject *run = args[0];
    Py_ssize_t shortest = PyLong_AsSsize_t(args[1]);
    Py_ssize_t longest = PyLong_AsSsize_t(args[2]);
    if ((shortest == -1 || longest == -1) && PyErr_Occurred())
        return NULL;
    Py_ssize_t n = PyUnicode_GET_LENGTH(run);
    Py_ssize_t top = longest < n ? longest : n;
    Py_ssize_t count = 0;
    for (Py_ssize_t k = shortest; k <= top; k++)
        count += n - k + 1;
    PyObject *out = PyList_New(count > 0 ? count : 0);
    if (out == NULL)
        return NULL;
    Py_ssize_t at = 0;
    for (Py_ssize_t k = shortest; k <= top; k++) {
        for (Py_ssize_t i = 0; i + k <= n; i++) {
            PyObject *gram = PyUnicode_Substring(run, i, i + k);
            if (gram == NULL) {
                Py_DECREF(out);
                return NULL;
            }
            PyList_SET_ITEM(out, at++, gram);
        }
    }
    return out;
}

PyDoc_STRVAR(start_grams_doc,
             "start_grams(grams, shortest, longest) -> list[str]\n\n"
             "Of the n-grams, those no longer one extends to the right (backends.postgres._start_grams_python).");

static PyObject *
native_start_grams(PyObject *self, PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs != 3) {
        PyErr_SetString(PyExc_TypeError, "start_grams() takes exactly 3 arguments");
        return NULL;
    }
    PyObject *seq = PySequence_Fast(args[0], "start_grams() takes a sequence of str");
    if (seq == NULL)
        return NULL;
    Py_ssize_t shortest = PyLong_AsSsize_t(args[1]);
    Py_ssize_t longest = PyLong_AsSsize_t(args[2]);
    PyObject *extended = NULL, *out = NULL;
    if ((shortest == -1 || longest == -1) && PyErr_Occurred())
        goto fail;
    Py_ssize_t n = PySequence_Fast_GET_SIZE(seq);
    PyObject **items = PySequence_Fast_ITEMS(seq);
    extended = PySet_New(NULL);
    if (extended == NULL)
        goto fail;
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *g = items[i];
        if (!PyUnicode_Check(g)) {
            PyErr_SetString(PyExc_TypeError, "start_grams() takes a sequence of str");
            goto fail;
        }
        Py_ssize_t len = PyUnicode_GET_LENGTH(g);
        if (len > shortest) {
            PyObject *head = PyUnicode_Substring(g, 0, len - 1);
            if (head == NULL || PySet_Add(extended, head) < 0) {
                Py_XDECREF(head);
                goto fail;
            }
            Py_DECREF(head);
        }
    }
    out = PyList_New(0);
    if (out == NULL)
        goto fail;
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *g = items[i];
        int keep = PyUnicode_GET_LENGTH(g) >= longest;
        if (!keep) {
            int in = PySet_Contains(extended, g);
            if (in < 0)
                goto fail;
            keep = !in;
        }
        if (keep && PyList_Append(out, g) < 0)
            goto fail;
    }
    Py_DECREF(extended);
    Py_DECREF(seq);
    return out;
fail:
    Py_XDECREF(out);
    Py_XDECREF(extended);
    Py_DECREF(seq);
    return NULL;
}

/* --- one text's words and n-grams ---------------------------------------------------------------------------- */

/* The Chinese characters of analysis._CJK. */
static inline int
is_cjk(Py_UCS4 c)
{
    return c == 0x3007 || (c >= 0x3400 && c <= 0x4DBF) || (c >= 0x4E00 && c <= 0x9FFF) ||
           (c >= 0xF900 && c <= 0xFAFF) || (c >= 0x20000 && c <= 0x3134F);
}

/* A letter or digit that is not Chinese: re's \w (str.isalnum() or "_") without "_" and analysis._CJK. */
static inline int
is_other_letter(Py_UCS4 c)
{
    return c != '_' && !is_cjk(c) && Py_UNICODE_ISALNUM(c);
}

/* The run's (words, n-grams) from the cache, or made and kept there (the cache cleared when full). New ref. */
/* (tuple(a), tuple(b)); NULL on error. */
static PyObject *
pair_of_tuples(PyObject *a, PyObject *b)
{
    PyObject *first = PyList_AsTuple(a);
    if (first == NULL)
        return NULL;
    PyObject *second = PyList_AsTuple(b);
    if (second == NULL) {
        Py_DECREF(first);
        return NULL;
    }
    PyObject *pair = PyTuple_Pack(2, first, second);
    Py_DECREF(first);
    Py_DECREF(second);
    return pair;
}

static PyObject *
analysed_run(PyObject *run, PyObject *cache, PyObject *freq, PyObject *log_total, Py_ssize_t cache_max,
             int cached_here, PyObject *shortest, PyObject *longest)
{
    if (cached_here) {
        PyObject *cached = PyDict_GetItemWithError(cache, run);
        if (cached != NULL) {
            Py_INCREF(cached);
            return cached;
        }
        if (PyErr_Occurred())
            return NULL;
    }
    PyObject *cut_args[3] = {run, freq, log_total};
    PyObject *words = native_cut(NULL, cut_args, 3);
    if (words == NULL)
        return NULL;
    PyObject *gram_args[3] = {run, shortest, longest};
    PyObject *grams = native_ngrams(NULL, gram_args, 3);
    if (grams == NULL) {
        Py_DECREF(words);
        return NULL;
    }
    PyObject *pair = pair_of_tuples(words, grams);
    Py_DECREF(words);
    Py_DECREF(grams);
    if (pair == NULL || !cached_here)
        return pair;
    if (PyDict_GET_SIZE(cache) >= cache_max)
        PyDict_Clear(cache);
    if (PyDict_SetItem(cache, run, pair) < 0) {
        Py_DECREF(pair);
        return NULL;
    }
    return pair;
}

PyDoc_STRVAR(analyze_doc,
             "analyze(normalized, cache, freq, log_total, cache_max, cache_longest, shortest, longest) -> (words, n-grams)\n\n"
             "The words and the n-grams (each once, in order) of a normalised text: a Chinese run cut as by cut() and\n"
             "its n-grams, both kept in cache (at most cache_max runs of at most cache_longest characters); another\n"
             "run of letters and digits one word (analysis._analyze_python).");

static PyObject *
native_analyze(PyObject *self, PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs != 8 || !PyUnicode_Check(args[0]) || !PyDict_Check(args[1]) || !PyDict_Check(args[2])) {
        PyErr_SetString(PyExc_TypeError, "analyze() takes a str, two dicts, a float and four ints");
        return NULL;
    }
    PyObject *text = args[0], *cache = args[1], *freq = args[2], *log_total = args[3];
    Py_ssize_t cache_max = PyLong_AsSsize_t(args[4]);
    Py_ssize_t cache_longest = PyLong_AsSsize_t(args[5]);
    if ((cache_max == -1 || cache_longest == -1) && PyErr_Occurred())
        return NULL;
    PyObject *words = PyList_New(0), *grams = PyList_New(0), *seen = PySet_New(NULL), *result = NULL;
    if (words == NULL || grams == NULL || seen == NULL)
        goto done;
    Py_ssize_t n = PyUnicode_GET_LENGTH(text);
    int kind = PyUnicode_KIND(text);
    const void *data = PyUnicode_DATA(text);
    for (Py_ssize_t i = 0; i < n;) {
        Py_UCS4 c = PyUnicode_READ(kind, data, i);
        int cjk = is_cjk(c);
        if (!cjk && !is_other_letter(c)) {
            i++;
            continue;
        }
        Py_ssize_t j = i + 1;
        if (cjk)
            while (j < n && is_cjk(PyUnicode_READ(kind, data, j)))
                j++;
        else
            while (j < n && is_other_letter(PyUnicode_READ(kind, data, j)))
                j++;
        PyObject *run = PyUnicode_Substring(text, i, j);
        if (run == NULL)
            goto done;
        if (!cjk || j - i == 1) {
            int rc = PyList_Append(words, run);
            Py_DECREF(run);
            if (rc < 0)
                goto done;
            i = j;
            continue;
        }
        PyObject *pair =
            analysed_run(run, cache, freq, log_total, cache_max, j - i <= cache_longest, args[6], args[7]);
        Py_DECREF(run);
        if (pair == NULL)
            goto done;
        PyObject *run_words = PyTuple_GET_ITEM(pair, 0), *run_grams = PyTuple_GET_ITEM(pair, 1);
        for (Py_ssize_t k = 0; k < PyTuple_GET_SIZE(run_words); k++)
            if (PyList_Append(words, PyTuple_GET_ITEM(run_words, k)) < 0) {
                Py_DECREF(pair);
                goto done;
            }
        for (Py_ssize_t k = 0; k < PyTuple_GET_SIZE(run_grams); k++) {
            PyObject *gram = PyTuple_GET_ITEM(run_grams, k);
            int in = PySet_Contains(seen, gram);
            if (in < 0 || (!in && (PySet_Add(seen, gram) < 0 || PyList_Append(grams, gram) < 0))) {
                Py_DECREF(pair);
                goto done;
            }
        }
        Py_DECREF(pair);
        i = j;
    }
    result = pair_of_tuples(words, grams);
done:
    Py_XDECREF(words);
    Py_XDECREF(grams);
    Py_XDECREF(seen);
    return result;
}

/* --- the tsvector's binary form ------------------------------------------------------------------------------- */

typedef struct {
    Py_ssize_t offset; /* of the lexeme's bytes in the arena */
    Py_ssize_t length;
    Py_ssize_t order;  /* in the order the positions were met */
    uint16_t position; /* with the weight in its top two bits */
} Entry;

static const char *arena_base;

static int
compare_entries(const void *a, const void *b)
{
    const Entry *x = a, *y = b;
    Py_ssize_t common = x->length < y->length ? x->length : y->length;
    int c = memcmp(arena_base + x->offset, arena_base + y->offset, (size_t)common);
    if (c)
        return c;
    if (x->length != y->length)
        return x->length < y->length ? -1 : 1;
    return x->order < y->order ? -1 : (x->order > y->order ? 1 : 0);
}

typedef struct {
    char *data;
    Py_ssize_t size, capacity;
} Buffer;

static int
buffer_reserve(Buffer *b, Py_ssize_t more)
{
    if (b->size + more <= b->capacity)
        return 0;
    Py_ssize_t capacity = b->capacity ? b->capacity : 1024;
    while (capacity < b->size + more)
        capacity *= 2;
    char *data = PyMem_Realloc(b->data, (size_t)capacity);
    if (data == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    b->data = data;
    b->capacity = capacity;
    return 0;
}

static int
buffer_put(Buffer *b, const void *bytes, Py_ssize_t length)
{
    if (buffer_reserve(b, length) < 0)
        return -1;
    memcpy(b->data + b->size, bytes, (size_t)length);
    b->size += length;
    return 0;
}

static int
buffer_put_u16(Buffer *b, unsigned int value)
{
    unsigned char bytes[2] = {(unsigned char)(value >> 8), (unsigned char)value};
    return buffer_put(b, bytes, 2);
}

PyDoc_STRVAR(tsvector_doc,
             "tsvector(segments, max_position) -> bytes\n\n"
             "A tsvector in PostgreSQL's binary COPY form from segments (prefixes, tokens, first position, weight bits):\n"
             "each token of a segment, under each of its prefixes, at the next position (at most max_position), the\n"
             "lexemes in byte order, each position list increasing and at most 256 long\n"
             "(backends.postgres._tsvector_binary_python).");

static PyObject *
native_tsvector(PyObject *self, PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs != 2) {
        PyErr_SetString(PyExc_TypeError, "tsvector() takes exactly 2 arguments");
        return NULL;
    }
    long max_position = PyLong_AsLong(args[1]);
    if (max_position == -1 && PyErr_Occurred())
        return NULL;
    PyObject *segments = PySequence_Fast(args[0], "tsvector() takes a sequence of segments");
    if (segments == NULL)
        return NULL;
    Buffer arena = {0}, out = {0};
    Entry *entries = NULL;
    Py_ssize_t count = 0, capacity = 0;
    PyObject *result = NULL;

    Py_ssize_t nsegments = PySequence_Fast_GET_SIZE(segments);
    for (Py_ssize_t s = 0; s < nsegments; s++) {
        PyObject *segment = PySequence_Fast_GET_ITEM(segments, s);
        PyObject *prefixes, *tokens;
        long first, weight;
        if (!PyTuple_Check(segment) || !PyArg_ParseTuple(segment, "OOll", &prefixes, &tokens, &first, &weight)) {
            if (!PyErr_Occurred())
                PyErr_SetString(PyExc_TypeError, "a segment is (prefixes, tokens, first position, weight bits)");
            goto done;
        }
        PyObject *pfast = PySequence_Fast(prefixes, "a segment's prefixes are a sequence of str");
        if (pfast == NULL)
            goto done;
        PyObject *tfast = PySequence_Fast(tokens, "a segment's tokens are a sequence of str");
        if (tfast == NULL) {
            Py_DECREF(pfast);
            goto done;
        }
        Py_ssize_t np = PySequence_Fast_GET_SIZE(pfast), nt = PySequence_Fast_GET_SIZE(tfast);
        int failed = 0;
        for (Py_ssize_t p = 0; p < np && !failed; p++) {
            Py_ssize_t plen;
            const char *pbytes = PyUnicode_AsUTF8AndSize(PySequence_Fast_GET_ITEM(pfast, p), &plen);
            if (pbytes == NULL) {
                failed = 1;
                break;
            }
            for (Py_ssize_t t = 0; t < nt; t++) {
                Py_ssize_t tlen;
                const char *tbytes = PyUnicode_AsUTF8AndSize(PySequence_Fast_GET_ITEM(tfast, t), &tlen);
                if (tbytes == NULL || buffer_reserve(&arena, plen + tlen) < 0) {
                    failed = 1;
                    break;
                }
                if (count == capacity) {
                    Py_ssize_t grown = capacity ? capacity * 2 : 256;
                    Entry *more = PyMem_Realloc(entries, sizeof(Entry) * (size_t)grown);
                    if (more == NULL) {
                        PyErr_NoMemory();
                        failed = 1;
                        break;
                    }
                    entries = more;
                    capacity = grown;
                }
                long position = first + (long)t;
                if (position > max_position)
                    position = max_position;
                Entry *e = &entries[count];
                e->offset = arena.size;
                e->length = plen + tlen;
                e->order = count;
                e->position = (uint16_t)(position | weight);
                count++;
                memcpy(arena.data + arena.size, pbytes, (size_t)plen);
                memcpy(arena.data + arena.size + plen, tbytes, (size_t)tlen);
                arena.size += plen + tlen;
            }
        }
        Py_DECREF(tfast);
        Py_DECREF(pfast);
        if (failed)
            goto done;
    }

    arena_base = arena.data;
    if (count > 1)
        qsort(entries, (size_t)count, sizeof(Entry), compare_entries);

    if (buffer_reserve(&out, 4) < 0)
        goto done;
    out.size = 4; /* the lexeme count, written at the end */
    uint32_t lexemes = 0;
    uint16_t positions[256];
    for (Py_ssize_t i = 0; i < count;) {
        Py_ssize_t j = i + 1;
        while (j < count && entries[j].length == entries[i].length &&
               memcmp(arena.data + entries[j].offset, arena.data + entries[i].offset, (size_t)entries[i].length) == 0)
            j++;
        /* Positions past the last one PostgreSQL stores collapse into it: keep the increasing ones. */
        int collapse = (entries[j - 1].position & max_position) == max_position;
        int kept = 0;
        for (Py_ssize_t k = i; k < j && kept < 256; k++) {
            uint16_t p = entries[k].position;
            if (collapse && kept && (p & max_position) <= (positions[kept - 1] & max_position))
                continue;
            positions[kept++] = p;
        }
        if (buffer_put(&out, arena.data + entries[i].offset, entries[i].length) < 0 || buffer_put(&out, "", 1) < 0 ||
            buffer_put_u16(&out, (unsigned int)kept) < 0)
            goto done;
        for (int k = 0; k < kept; k++)
            if (buffer_put_u16(&out, positions[k]) < 0)
                goto done;
        lexemes++;
        i = j;
    }
    out.data[0] = (char)(lexemes >> 24);
    out.data[1] = (char)(lexemes >> 16);
    out.data[2] = (char)(lexemes >> 8);
    out.data[3] = (char)lexemes;
    result = PyBytes_FromStringAndSize(out.data, out.size);
done:
    PyMem_Free(entries);
    PyMem_Free(arena.data);
    PyMem_Free(out.data);
    Py_DECREF(segments);
    return result;
}

static PyMethodDef native_methods[] = {
    {"cut", (PyCFunction)(void (*)(void))native_cut, METH_FASTCALL, cut_doc},
    {"ngrams", (PyCFunction)(void (*)(void))native_ngrams, METH_FASTCALL, ngrams_doc},
    {"start_grams", (PyCFunction)(void (*)(void))native_start_grams, METH_FASTCALL, start_grams_doc},
    {"analyze", (PyCFunction)(void (*)(void))native_analyze, METH_FASTCALL, analyze_doc},
    {"tsvector", (PyCFunction)(void (*)(void))native_tsvector, METH_FASTCALL, tsvector_doc},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef native_module = {
    PyModuleDef_HEAD_INIT, "dangan.search._native", "The search analyser's hot loops in C.", -1, native_methods, NULL, NULL, NULL, NULL,
};

PyMODINIT_FUNC
PyInit__native(void)
{
    return PyModule_Create(&native_module);
}
