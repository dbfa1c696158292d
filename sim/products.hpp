// What a mechanism publishes for the other mechanisms and the metrics when
// the engine is built (Mechanism::publish): a parameter others read (the
// friendship threshold), a table fixed for the run (the groups' heritage
// traits), a pointer to a structure it owns (the housing market), a table it
// rewrites each step (the step's meetings, sim/meetings.hpp), or only that it
// runs and keeps a column up to date. Each product is declared once,
// in its publisher's header, as a Product<T> with a name; a reader finds it
// by that declaration (null when the publisher does not run) without
// depending on the publisher's class, and sim/ knows none of them.
#pragma once

#include <any>
#include <map>
#include <stdexcept>
#include <string>
#include <utility>

namespace icsim {

template <class T>
struct Product {
    const char* name;
};

// A product whose value is only that it was published (the mechanism runs).
struct Runs {};

class Products {
public:
    template <class T>
    void set(const Product<T>& p, T value) {
        items_[p.name] = std::move(value);
    }
    // The published value, or null when nothing was published under the
    // name. Throws std::logic_error when the name holds another type (two
    // declarations of one name disagree).
    template <class T>
    const T* find(const Product<T>& p) const {
        const auto it = items_.find(p.name);
        if (it == items_.end())
            return nullptr;
        const T* v = std::any_cast<T>(&it->second);
        if (v == nullptr)
            throw std::logic_error(std::string("product ") + p.name + ": published with another type");
        return v;
    }
    // The same, to change in place: what a mechanism publishes of a step
    // (its meetings, its counts) it writes in its step through this.
    template <class T>
    T* find(const Product<T>& p) {
        return const_cast<T*>(std::as_const(*this).find(p));
    }
    // The published value (to change in place, for a non-const registry);
    // throws std::logic_error when nothing was published under the name (a
    // mechanism's own product read before its publish()).
    template <class T>
    const T& at(const Product<T>& p) const {
        const T* v = find(p);
        if (v == nullptr)
            throw std::logic_error(std::string("product ") + p.name + ": not published");
        return *v;
    }
    template <class T>
    T& at(const Product<T>& p) {
        return const_cast<T&>(std::as_const(*this).at(p));
    }
    template <class T>
    bool has(const Product<T>& p) const {
        return find(p) != nullptr;
    }
    void clear() { items_.clear(); }

private:
    std::map<std::string, std::any> items_;
};

} // namespace icsim
