package mesibo

import "net/url"

// formEncoder writes the legacy form parameters of the seed specification:
// one flat parameter per value, optional ones only when set.
type formEncoder struct{}

var _ encoder = formEncoder{}

func formPayload(p params) payload { return payload{form: url.Values(p)} }

func (formEncoder) addUser(r AddUserRequest, _ bool) payload {
	p := params{}
	p.str("addr", r.Address)
	p.str("appid", r.AppID)
	p.optStr("name", r.Name)
	p.optInt("expiry", r.ExpiryMinutes)
	p.optBool("active", r.Active)
	p.optInt("groups", r.MaxGroups)
	return formPayload(p)
}

func (formEncoder) setUser(r SetUserRequest) payload {
	p := params{}
	p.int("uid", r.UID)
	p.optInt("flag", r.Flag)
	p.optBool("active", r.Active)
	return formPayload(p)
}

func (formEncoder) deleteUser(uid int64) payload {
	p := params{}
	p.int("uid", uid)
	return formPayload(p)
}

func (formEncoder) getUsers(pattern string, count int) payload {
	p := params{}
	p.str("addr", pattern)
	p.int("count", int64(count))
	return formPayload(p)
}

func (formEncoder) group(gid int64, r GroupRequest) payload {
	p := params{}
	p.optStr("name", r.Name)
	p.optInt("flag", r.Flag)
	p.optInt("expiry", r.ExpirySeconds)
	p.optInt("expiryext", r.ExpiryExtensionSeconds)
	p.optBool("active", r.Active)
	if gid != 0 {
		p.int("gid", gid)
	}
	return formPayload(p)
}

func (formEncoder) deleteGroup(gid int64) payload {
	p := params{}
	p.int("gid", gid)
	return formPayload(p)
}

func (formEncoder) editMembers(gid int64, addresses []string, remove bool, perms *Permissions) payload {
	p := params{}
	p.int("gid", gid)
	p.str("m", joinAddresses(addresses))
	p.str("delete", boolParam(remove))
	if perms != nil {
		p.str("cs", boolParam(perms.Send))
		p.str("cr", boolParam(perms.Receive))
		p.str("canpub", boolParam(perms.Publish))
		p.str("cansub", boolParam(perms.Subscribe))
		p.str("canlist", boolParam(perms.List))
	}
	return formPayload(p)
}

// memberBytes is the address's own length: the bound on the list is on the
// text of m, before it is form-encoded.
func (formEncoder) memberBytes(address string) int { return len(address) }

func (formEncoder) getMembers(gid int64, count int) payload {
	p := params{}
	p.int("gid", gid)
	p.int("count", int64(count))
	return formPayload(p)
}

func (formEncoder) message(r MessageRequest) payload {
	p := params{}
	p.str("from", r.From)
	if r.To != "" {
		p.str("to", r.To)
	} else {
		p.int("gid", r.GID)
	}
	p.optInt("type", r.Type)
	p.optInt("expiry", r.ExpirySeconds)
	p.str("msg", r.Message)
	return formPayload(p)
}
