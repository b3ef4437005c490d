package mesibo

// jsonEncoder writes Mesibo's JSON backend API: {"op", "token", and one
// object: "user", "group" or "message"}, as Mesibo's documentation and its
// PHP samples show them. Optional values are left out when not set.
type jsonEncoder struct{}

var _ encoder = jsonEncoder{}

// jsonBody is a JSON request. Op and Token are set by the client when it
// sends it; the order of the fields is the order on the wire.
type jsonBody struct {
	Op      string       `json:"op"`
	Token   string       `json:"token"`
	User    *jsonUser    `json:"user,omitempty"`
	Group   *jsonGroup   `json:"group,omitempty"`
	Message *jsonMessage `json:"message,omitempty"`
	Count   *int64       `json:"count,omitempty"`
}

type jsonUser struct {
	UID     int64   `json:"uid,omitempty"`
	Address string  `json:"address,omitempty"`
	Name    *string `json:"name,omitempty"`
	Active  *bool   `json:"active,omitempty"`
	Flags   *int64  `json:"flags,omitempty"`
	// Groups is the form API's groups (the most groups the user may
	// join); no JSON source shows it, see doc.go.
	Groups *int64     `json:"groups,omitempty"`
	Token  *jsonToken `json:"token,omitempty"`
}

// jsonToken asks useradd for an access token; without it, useradd issues none.
type jsonToken struct {
	AppID  string `json:"appid"`
	Expiry *int64 `json:"expiry,omitempty"` // minutes
}

type jsonGroup struct {
	GID       int64        `json:"gid,omitempty"`
	Name      *string      `json:"name,omitempty"`
	Flags     *int64       `json:"flags,omitempty"`
	Expiry    *int64       `json:"expiry,omitempty"`
	ExpiryExt *int64       `json:"expiryext,omitempty"`
	Active    *bool        `json:"active,omitempty"`
	Delete    *int         `json:"delete,omitempty"` // groupeditmembers: 0 add, 1 remove
	Members   *jsonMembers `json:"members,omitempty"`
}

type jsonMembers struct {
	M           string           `json:"m"` // comma-separated addresses
	Permissions *jsonPermissions `json:"permissions,omitempty"`
}

type jsonPermissions struct {
	Send bool `json:"send"`
	Recv bool `json:"recv"`
	Pub  bool `json:"pub"`
	Sub  bool `json:"sub"`
	List bool `json:"list"`
}

type jsonMessage struct {
	From    string `json:"from"`
	To      string `json:"to,omitempty"`
	GID     int64  `json:"gid,omitempty"`
	Type    *int64 `json:"type,omitempty"`
	Expiry  *int64 `json:"expiry,omitempty"` // seconds
	Message string `json:"message"`
}

func (jsonEncoder) addUser(r AddUserRequest, issueToken bool) payload {
	u := &jsonUser{Address: r.Address, Name: r.Name, Active: r.Active, Groups: r.MaxGroups}
	if issueToken {
		u.Token = &jsonToken{AppID: r.AppID, Expiry: r.ExpiryMinutes}
	}
	return payload{json: &jsonBody{User: u}}
}

func (jsonEncoder) setUser(r SetUserRequest) payload {
	return payload{json: &jsonBody{User: &jsonUser{UID: r.UID, Flags: r.Flag, Active: r.Active}}}
}

func (jsonEncoder) deleteUser(uid int64) payload {
	return payload{json: &jsonBody{User: &jsonUser{UID: uid}}}
}

// getUsers sends the form parameters: no JSON shape of usersget is
// documented, and Mesibo takes the form parameters at the JSON endpoint.
func (jsonEncoder) getUsers(pattern string, count int) payload {
	return formEncoder{}.getUsers(pattern, count)
}

func (jsonEncoder) group(gid int64, r GroupRequest) payload {
	return payload{json: &jsonBody{Group: &jsonGroup{
		GID: gid, Name: r.Name, Flags: r.Flag, Expiry: r.ExpirySeconds,
		ExpiryExt: r.ExpiryExtensionSeconds, Active: r.Active,
	}}}
}

func (jsonEncoder) deleteGroup(gid int64) payload {
	return payload{json: &jsonBody{Group: &jsonGroup{GID: gid}}}
}

func (jsonEncoder) editMembers(gid int64, addresses []string, remove bool, perms *Permissions) payload {
	del := 0
	if remove {
		del = 1
	}
	m := &jsonMembers{M: joinAddresses(addresses)}
	if perms != nil {
		m.Permissions = &jsonPermissions{
			Send: perms.Send, Recv: perms.Receive, Pub: perms.Publish, Sub: perms.Subscribe, List: perms.List,
		}
	}
	return payload{json: &jsonBody{Group: &jsonGroup{GID: gid, Delete: &del, Members: m}}}
}

// memberBytes is the address's length as a JSON string, quotes aside.
func (jsonEncoder) memberBytes(address string) int {
	b, err := encodeJSON(address)
	if err != nil {
		return len(address)
	}
	return len(b) - 2
}

func (jsonEncoder) getMembers(gid int64, count int) payload {
	n := int64(count)
	return payload{json: &jsonBody{Group: &jsonGroup{GID: gid}, Count: &n}}
}

func (jsonEncoder) message(r MessageRequest) payload {
	m := &jsonMessage{From: r.From, Type: r.Type, Expiry: r.ExpirySeconds, Message: r.Message}
	if r.To != "" {
		m.To = r.To
	} else {
		m.GID = r.GID
	}
	return payload{json: &jsonBody{Message: m}}
}
